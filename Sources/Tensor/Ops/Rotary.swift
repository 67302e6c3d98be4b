import Foundation

/// Rotary position embedding: pair i turns by θ = position · base^(−2i/D). The pair is
/// features (i, i + D/2) in the rotate-half style (HF Llama) or (2i, 2i+1) interleaved (GGUF
/// llama weights; see `RotaryStyle`). The backward turns the gradient by −θ (a rotation's
/// transpose is its inverse).
extension Tensor {
    /// x (…, T, D) — usually (B, H, T, D) — with `positions[t]` the absolute position of
    /// row t (an offset when decoding with a KV cache). D must be even.
    public func rotary(positions: [Int], base: Float = 10000, style: RotaryStyle = .half) -> Tensor {
        precondition(rank >= 2, "rotary needs (…, T, D), got \(shape)")
        let t = shape[rank - 2], d = shape[rank - 1], half = d / 2
        precondition(d % 2 == 0, "rotary needs an even last axis, got \(shape)")
        precondition(positions.count == t, "rotary: \(positions.count) positions for \(t) rows of \(shape)")
        let (cosines, sines) = Tensor.rotaryTables(positions: positions, half: half, base: base)
        let out = Tensor.empty(shape)
        Tensor.rotate(pointer, out.pointer, rows: count / Swift.max(d, 1), t: t, half: half,
                      cos: cosines, sin: sines, direction: 1, style: style)
        return Tensor.record(out, op: "rotary", inputs: [self]) { g, _ in
            guard self.requiresGrad else { return }
            let dx = Tensor.empty(self.shape)
            Tensor.rotate(g.pointer, dx.pointer, rows: self.count / Swift.max(d, 1), t: t, half: half,
                          cos: cosines, sin: sines, direction: -1, style: style)
            self.accumulateGrad(dx, owned: true)
        }
    }

    /// cos θ and sin θ, (T, D/2), computed as HF does in float32: inverse frequencies
    /// 1 / base^(2i/D), times the position, then cos/sin of that float angle.
    static func rotaryTables(positions: [Int], half: Int, base: Float) -> (cos: [Float], sin: [Float]) {
        let d = Float(2 * half)
        let inverseFrequencies = (0..<half).map { i in 1 / Foundation.pow(base, Float(2 * i) / d) }
        var cosines = [Float](repeating: 0, count: positions.count * half)
        var sines = cosines
        for (row, p) in positions.enumerated() {
            for i in 0..<half {
                let angle = Double(Float(p) * inverseFrequencies[i])
                cosines[row * half + i] = Float(Foundation.cos(angle))
                sines[row * half + i] = Float(Foundation.sin(angle))
            }
        }
        return (cosines, sines)
    }

    /// out = [x₁·cos − x₂·sin, x₂·cos + x₁·sin] per row, sin negated when direction < 0;
    /// x₁, x₂ the two halves (`.half`) or the even and odd features (`.interleaved`).
    static func rotate(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, rows: Int, t: Int, half: Int,
                       cos: [Float], sin: [Float], direction: Float, style: RotaryStyle = .half) {
        // Where pair i's two features sit: x₁ at i·step, x₂ at i·step + offset.
        let (step, offset) = style == .half ? (1, half) : (2, 1)
        cos.withUnsafeBufferPointer { cp in
            sin.withUnsafeBufferPointer { sp in
                Parallel.forEach(rows, workPerItem: 6 * half) { range in
                    for r in range {
                        let c = cp.baseAddress! + (r % t) * half, s = sp.baseAddress! + (r % t) * half
                        let x1 = src + r * 2 * half, x2 = x1 + offset
                        let y1 = dst + r * 2 * half, y2 = y1 + offset
                        for i in 0..<half {
                            let si = s[i] * direction, j = i * step
                            let (a, b) = (x1[j], x2[j])
                            y1[j] = a * c[i] - b * si
                            y2[j] = b * c[i] + a * si
                        }
                    }
                }
            }
        }
    }
}
