/// RMSNorm over the last axis (Llama), fused forward and backward; per-row 1/rms kept.
extension Tensor {
    /// x / √(mean(x²) + eps) · weight, weight (D) or nil.
    public func rmsNorm(weight: Tensor?, eps: Float = 1e-6) -> Tensor {
        let d = shape.last ?? 1, rows = count / Swift.max(d, 1)
        precondition(weight.map { $0.shape == [d] } ?? true, "rmsNorm of \(shape): weight \(weight?.shape ?? []) must be [\(d)]")
        let out = Tensor.empty(shape)
        var rinvs = [Float](repeating: 0, count: rows)
        let x = pointer, y = out.pointer, w = weight?.pointer
        rinvs.withUnsafeMutableBufferPointer { rinvs in
            Parallel.forEach(rows, workPerItem: 4 * d) { range in
                for r in range {
                    let xr = x + r * d, yr = y + r * d
                    let rinv = 1 / (VectorMath.dot(xr, xr, d) / Float(d) + eps).squareRoot()
                    rinvs[r] = rinv
                    if let w { for j in 0..<d { yr[j] = xr[j] * rinv * w[j] } } else { for j in 0..<d { yr[j] = xr[j] * rinv } }
                }
            }
        }
        let inputs = [self] + [weight].compactMap { $0 }
        return Tensor.record(out, op: "rms_norm", inputs: inputs) { g, _ in
            let gp = g.pointer
            let wantW = weight?.requiresGrad ?? false
            let dx = self.requiresGrad ? Tensor.empty(self.shape) : nil
            let dxp = dx?.pointer
            let chunks = RowChunks.count(rows: rows, workPerRow: 8 * d)
            let partials = Tensor.zeros([chunks, d])
            let pp = partials.pointer
            RowChunks.forEach(rows: rows, workPerRow: 8 * d) { chunk, range in
                let dw = pp + chunk * d
                for r in range {
                    let xr = x + r * d, gr = gp + r * d, rinv = rinvs[r]
                    if wantW { for j in 0..<d { dw[j] += gr[j] * xr[j] * rinv } }
                    guard let dxp else { continue }
                    // dxhat = g·w; dx = rinv·(dxhat − xhat·mean(dxhat·xhat))
                    var sumDX: Float = 0
                    if let w { for j in 0..<d { sumDX += gr[j] * w[j] * xr[j] } } else { sumDX = VectorMath.dot(gr, xr, d) }
                    let c = sumDX * rinv * rinv / Float(d)
                    let dr = dxp + r * d
                    if let w {
                        for j in 0..<d { dr[j] = rinv * (gr[j] * w[j] - xr[j] * c) }
                    } else {
                        for j in 0..<d { dr[j] = rinv * (gr[j] - xr[j] * c) }
                    }
                }
            }
            if let dx { self.accumulateGrad(dx, owned: true) }
            if let weight, wantW { weight.accumulateGrad(Tensor.sumChunks(pp, chunks: chunks, stride: d, offset: 0, count: d), owned: true) }
        }
    }
}
