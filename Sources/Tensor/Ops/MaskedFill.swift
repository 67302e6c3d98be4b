/// Positions replaced by a constant (attention masks, padding); no gradient reaches them.
extension Tensor {
    /// `value` where `mask` is true. The mask covers the whole tensor or its trailing axes
    /// (e.g. a (T, T) causal mask on (B, H, T, T)) and repeats over the leading ones.
    public func maskedFill(_ mask: [Bool], value: Float) -> Tensor {
        let period = mask.count
        var trailing = 1, fits = period == count
        for size in shape.reversed() where !fits {
            trailing *= size
            fits = trailing == period
        }
        precondition(period > 0 && fits, "mask of \(period) values covers no trailing axes of \(shape)")
        let out = Tensor.empty(shape)
        let src = pointer, dst = out.pointer
        mask.withUnsafeBufferPointer { m in
            Parallel.forEach(count / period, workPerItem: period) { range in
                for r in range {
                    let base = r * period
                    for j in 0..<period { dst[base + j] = m[j] ? value : src[base + j] }
                }
            }
        }
        return Tensor.record(out, op: "masked_fill", inputs: [self]) { g, _ in
            guard self.requiresGrad else { return }
            let dx = Tensor.empty(self.shape)
            let gp = g.pointer, dp = dx.pointer
            mask.withUnsafeBufferPointer { m in
                Parallel.forEach(self.count / period, workPerItem: period) { range in
                    for r in range {
                        let base = r * period
                        for j in 0..<period { dp[base + j] = m[j] ? 0 : gp[base + j] }
                    }
                }
            }
            self.accumulateGrad(dx, owned: true)
        }
    }
}
