/// Products with a frozen weight kept as quantised blocks (Q4_0/Q4_1/Q8_0, as a GGUF file
/// stores it): the weight never exists whole in f32, has no gradient and no optimiser state.
/// A pretrained backbone under a strategy that does not train it costs its file's bytes
/// (~100 MB for SmolLM2-135M) instead of a 540 MB f32 copy.
extension Tensor {
    /// Floats of dequantised weight one call holds at a time: 4 M (16 MB) fits a SmolLM2
    /// layer's matrices whole and its 49,152-row tied head in 7 slices.
    public static let quantizedSliceFloats = 1 << 22

    /// x (..., K) · Wᵀ → (..., N) for W (N, K) in quantised blocks. The backward gives x its
    /// gradient dx = dy · W (W is frozen). Rows of W are dequantised a slice at a time into
    /// a scratch buffer that sgemm reads, forward and again backward: dequantising is ~1% of
    /// the product's time, and holding the f32 copy is what this op exists to avoid.
    /// `sliceFloats`: dequantised floats held at a time (tests make it small to cut W in slices).
    public static func matmul(_ x: Tensor, quantized w: QuantizedMatrix, sliceFloats: Int = quantizedSliceFloats) -> Tensor {
        let (n, k) = (w.rows, w.columns)
        precondition(x.rank >= 1 && x.shape.last == k, "matmul: \(x.shape) × quantised (\(n), \(k))ᵀ")
        let rows = x.count / Swift.max(k, 1)
        let out = Tensor.empty(Array(x.shape.dropLast()) + [n])
        let sliceRows = Swift.max(1, Swift.min(n, sliceFloats / Swift.max(k, 1)))
        if rows < QuantizedMatrix.sgemmRows {
            // A few rows (decoding): the fused kernels read the blocks directly.
            w.multiply(x.pointer, rows: rows, into: out.pointer)
        } else {
            let scratch = Storage(count: sliceRows * k, zeroed: false)
            for r0 in stride(from: 0, to: n, by: sliceRows) {
                let r1 = Swift.min(n, r0 + sliceRows)
                w.dequantize(rows: r0..<r1, into: scratch.pointer)
                // y[:, r0..<r1] = x (rows, K) · W[r0..<r1]ᵀ
                BLAS.gemm(transA: false, transB: true, m: rows, n: r1 - r0, k: k, a: x.pointer, b: scratch.pointer,
                          c: out.pointer + r0, ldc: n)
            }
        }
        return record(out, op: "matmul_quantized", inputs: [x]) { g, _ in
            guard x.requiresGrad else { return }
            let dx = Tensor.empty(x.shape)
            let scratch = Storage(count: sliceRows * k, zeroed: false)
            for r0 in stride(from: 0, to: n, by: sliceRows) {
                let r1 = Swift.min(n, r0 + sliceRows)
                w.dequantize(rows: r0..<r1, into: scratch.pointer)
                // dx (rows, K) += dy[:, r0..<r1] · W[r0..<r1]
                BLAS.gemm(transA: false, transB: false, m: rows, n: k, k: r1 - r0, a: g.pointer + r0, lda: n,
                          b: scratch.pointer, beta: r0 == 0 ? 0 : 1, c: dx.pointer)
            }
            x.accumulateGrad(dx, owned: true)
        }
    }

    /// Rows `ids` of a quantised table (V, D), shaped `shape + [D]`, with no gradient: the
    /// frozen embedding of a pretrained backbone.
    public static func embedding(_ table: QuantizedMatrix, ids: [Int32], shape: [Int]) -> Tensor {
        precondition(shape.reduce(1, *) == ids.count, "embedding: \(ids.count) ids do not fill shape \(shape)")
        if let bad = ids.firstIndex(where: { $0 < 0 || Int($0) >= table.rows }) {
            preconditionFailure("embedding: id \(ids[bad]) at position \(bad) outside vocabulary of \(table.rows)")
        }
        let d = table.columns
        let out = Tensor.empty(shape + [d])
        for (i, id) in ids.enumerated() { table.dequantizeRow(Int(id), into: out.pointer + i * d) }
        return out
    }
}
