/// LayerNorm over the last axis, fused: one pass for statistics and output, one for all
/// three gradients. Per-row mean and 1/σ are kept from the forward.
extension Tensor {
    /// (x − mean) / √(var + eps) · weight + bias, statistics over the last axis (biased
    /// variance, as PyTorch). weight and bias are (D) or nil.
    public func layerNorm(weight: Tensor?, bias: Tensor?, eps: Float = 1e-5) -> Tensor {
        let d = shape.last ?? 1, rows = count / Swift.max(d, 1)
        precondition(weight.map { $0.shape == [d] } ?? true && bias.map { $0.shape == [d] } ?? true,
                     "layerNorm of \(shape): weight \(weight?.shape ?? []) and bias \(bias?.shape ?? []) must be [\(d)]")
        let out = Tensor.empty(shape)
        var means = [Float](repeating: 0, count: rows), rstds = [Float](repeating: 0, count: rows)
        let x = pointer, y = out.pointer, w = weight?.pointer, b = bias?.pointer
        means.withUnsafeMutableBufferPointer { means in
            rstds.withUnsafeMutableBufferPointer { rstds in
                Parallel.forEach(rows, workPerItem: 8 * d) { range in
                    for r in range {
                        let xr = x + r * d, yr = y + r * d
                        let mean = VectorMath.sum(xr, d) / Float(d)
                        // Two passes: Σ(x − mean)² does not cancel like Σx² − D·mean².
                        let v = VectorMath.sumSquaredDeviations(xr, d, mean: mean)
                        let rstd = 1 / (v / Float(d) + eps).squareRoot()
                        means[r] = mean
                        rstds[r] = rstd
                        switch (w, b) {
                        case let (w?, b?): for j in 0..<d { yr[j] = (xr[j] - mean) * rstd * w[j] + b[j] }
                        case let (w?, nil): for j in 0..<d { yr[j] = (xr[j] - mean) * rstd * w[j] }
                        case let (nil, b?): for j in 0..<d { yr[j] = (xr[j] - mean) * rstd + b[j] }
                        case (nil, nil): for j in 0..<d { yr[j] = (xr[j] - mean) * rstd }
                        }
                    }
                }
            }
        }
        let inputs = [self] + [weight, bias].compactMap { $0 }
        return Tensor.record(out, op: "layer_norm", inputs: inputs) { g, _ in
            let gp = g.pointer
            let wantW = weight?.requiresGrad ?? false, wantB = bias?.requiresGrad ?? false
            let dx = self.requiresGrad ? Tensor.empty(self.shape) : nil
            let dxp = dx?.pointer
            let chunks = RowChunks.count(rows: rows, workPerRow: 12 * d)
            // Per-chunk partial sums of dweight (first d) and dbias (next d).
            let partials = Tensor.zeros([chunks, 2 * d])
            let pp = partials.pointer
            RowChunks.forEach(rows: rows, workPerRow: 12 * d) { chunk, range in
                let dw = pp + chunk * 2 * d, db = dw + d
                for r in range {
                    let xr = x + r * d, gr = gp + r * d
                    let mean = means[r], rstd = rstds[r]
                    if wantW { for j in 0..<d { dw[j] += gr[j] * (xr[j] - mean) * rstd } }
                    if wantB { for j in 0..<d { db[j] += gr[j] } }
                    guard let dxp else { continue }
                    // dxhat = g·w; dx = rstd·(dxhat − mean(dxhat) − xhat·mean(dxhat·xhat))
                    var sumD: Float = 0, sumDX: Float = 0
                    for j in 0..<d {
                        let dh = gr[j] * (w?[j] ?? 1)
                        sumD += dh
                        sumDX += dh * (xr[j] - mean) * rstd
                    }
                    let a = sumD / Float(d), c = sumDX / Float(d)
                    let dr = dxp + r * d
                    for j in 0..<d {
                        let xhat = (xr[j] - mean) * rstd
                        dr[j] = rstd * (gr[j] * (w?[j] ?? 1) - a - xhat * c)
                    }
                }
            }
            if let dx { self.accumulateGrad(dx, owned: true) }
            if let weight, wantW { weight.accumulateGrad(Tensor.sumChunks(pp, chunks: chunks, stride: 2 * d, offset: 0, count: d), owned: true) }
            if let bias, wantB { bias.accumulateGrad(Tensor.sumChunks(pp, chunks: chunks, stride: 2 * d, offset: d, count: d), owned: true) }
        }
    }

    /// Σ over chunks of the `count` floats at `offset` in each `stride`-long chunk.
    static func sumChunks(_ p: UnsafePointer<Float>, chunks: Int, stride: Int, offset: Int, count: Int) -> Tensor {
        let out = Tensor.zeros([count])
        let o = out.pointer
        for c in 0..<chunks {
            let src = p + c * stride + offset
            for j in 0..<count { o[j] += src[j] }
        }
        return out
    }
}
