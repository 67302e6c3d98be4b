import Foundation

/// Softmax and log-softmax along one axis, numerically stable (row maximum subtracted).
/// The last axis (the model's only use) runs on contiguous SIMD rows; other axes walk
/// strided columns. A row that is entirely −∞ (fully masked) gives softmax 0, not NaN.
extension Tensor {
    public func softmax(axis: Int = -1) -> Tensor {
        let (outer, n, inner) = softmaxLayout(axis)
        let out = Tensor.empty(shape)
        let src = pointer, dst = out.pointer
        Parallel.forEach(outer * inner, workPerItem: 30 * n) { range in
            for r in range {
                let o = r / inner, j = r % inner, base = o * n * inner + j
                if inner == 1 {
                    let m = VectorMath.max(src + base, n)
                    guard m > -.infinity else { for k in 0..<n { dst[base + k] = 0 }; continue }
                    let s = VectorMath.expShifted(src + base, dst + base, n, shift: m)
                    let inv = 1 / s
                    for k in 0..<n { dst[base + k] *= inv }
                } else {
                    var m = -Float.infinity
                    for k in 0..<n { m = Swift.max(m, src[base + k * inner]) }
                    guard m > -.infinity else { for k in 0..<n { dst[base + k * inner] = 0 }; continue }
                    var s: Float = 0
                    for k in 0..<n { let e = VectorMath.exp(src[base + k * inner] - m); dst[base + k * inner] = e; s += e }
                    for k in 0..<n { dst[base + k * inner] /= s }
                }
            }
        }
        return Tensor.record(out, op: "softmax", inputs: [self]) { g, y in
            guard self.requiresGrad else { return }
            // dx = y ⊙ (g − Σ g·y)
            let dx = Tensor.empty(self.shape)
            let gp = g.pointer, yp = y.pointer, dp = dx.pointer
            Parallel.forEach(outer * inner, workPerItem: 4 * n) { range in
                for r in range {
                    let o = r / inner, j = r % inner, base = o * n * inner + j
                    if inner == 1 {
                        let d = VectorMath.dot(gp + base, yp + base, n)
                        for k in 0..<n { dp[base + k] = yp[base + k] * (gp[base + k] - d) }
                    } else {
                        var d: Float = 0
                        for k in 0..<n { d += gp[base + k * inner] * yp[base + k * inner] }
                        for k in 0..<n { let i = base + k * inner; dp[i] = yp[i] * (gp[i] - d) }
                    }
                }
            }
            self.accumulateGrad(dx, owned: true)
        }
    }

    public func logSoftmax(axis: Int = -1) -> Tensor {
        let (outer, n, inner) = softmaxLayout(axis)
        let out = Tensor.empty(shape)
        let src = pointer, dst = out.pointer
        Parallel.forEach(outer * inner, workPerItem: 30 * n) { range in
            for r in range {
                let o = r / inner, j = r % inner, base = o * n * inner + j
                if inner == 1 {
                    let (m, logSum) = VectorMath.logSumExp(src + base, n)
                    for k in 0..<n { dst[base + k] = (src[base + k] - m) - logSum }
                } else {
                    var m = -Float.infinity
                    for k in 0..<n { m = Swift.max(m, src[base + k * inner]) }
                    var s: Float = 0
                    if m > -.infinity { for k in 0..<n { s += VectorMath.exp(src[base + k * inner] - m) } }
                    let logSum = m > -.infinity ? Foundation.log(s) : 0
                    for k in 0..<n { dst[base + k * inner] = (src[base + k * inner] - m) - logSum }
                }
            }
        }
        return Tensor.record(out, op: "log_softmax", inputs: [self]) { g, y in
            guard self.requiresGrad else { return }
            // dx = g − softmax · Σ g, with softmax = exp(y)
            let dx = Tensor.empty(self.shape)
            let gp = g.pointer, yp = y.pointer, dp = dx.pointer
            Parallel.forEach(outer * inner, workPerItem: 25 * n) { range in
                for r in range {
                    let o = r / inner, j = r % inner, base = o * n * inner + j
                    var gs: Float = 0
                    for k in 0..<n { gs += gp[base + k * inner] }
                    if inner == 1 {
                        Elementwise.zip(gp + base, yp + base, dp + base, count: n) { g, y in g - VectorMath.exp(y) * gs }
                    } else {
                        for k in 0..<n { let i = base + k * inner; dp[i] = gp[i] - VectorMath.exp(yp[i]) * gs }
                    }
                }
            }
            self.accumulateGrad(dx, owned: true)
        }
    }

    private func softmaxLayout(_ axis: Int) -> (outer: Int, n: Int, inner: Int) {
        let ax = self.axis(axis)
        return (shape[..<ax].reduce(1, *), shape[ax], shape[(ax + 1)...].reduce(1, *))
    }
}
