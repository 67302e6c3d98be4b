extension Tensor {
    /// Matrix product over the last two axes, with optional transposes that cost no copy.
    ///
    /// - `a` (..., M, K) with `b` (K, N): the leading axes of `a` fold into M, one sgemm.
    /// - `a` (..., M, K) with `b` (..., K, N), same leading axes: one sgemm per batch entry.
    /// `transposeA` / `transposeB` read the last two axes of that operand swapped.
    public static func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
        precondition(a.rank >= 2 && b.rank >= 2, "matmul needs rank ≥ 2, got \(a.shape) and \(b.shape)")
        let m = transposeA ? a.shape[a.rank - 1] : a.shape[a.rank - 2]
        let k = transposeA ? a.shape[a.rank - 2] : a.shape[a.rank - 1]
        let kb = transposeB ? b.shape[b.rank - 1] : b.shape[b.rank - 2]
        let n = transposeB ? b.shape[b.rank - 2] : b.shape[b.rank - 1]
        precondition(k == kb, "matmul inner sizes differ: \(a.shape)\(transposeA ? "ᵀ" : "") × \(b.shape)\(transposeB ? "ᵀ" : "")")
        let batchShape = Array(a.shape.dropLast(2))

        if b.rank == 2 && !transposeA {
            // Fold a's leading axes into the rows: (B·M, K) × (K, N).
            let rows = a.count / Swift.max(k, 1)
            let out = Tensor.empty(batchShape + [m, n])
            BLAS.gemm(transA: false, transB: transposeB, m: rows, n: n, k: k,
                      a: a.pointer, b: b.pointer, c: out.pointer)
            return record(out, op: "matmul", inputs: [a, b]) { g, _ in
                if a.requiresGrad {
                    // dA = dC · op(B)ᵀ  (B·M, N) × (N, K)
                    let da = Tensor.empty(a.shape)
                    BLAS.gemm(transA: false, transB: !transposeB, m: rows, n: k, k: n,
                              a: g.pointer, b: b.pointer, c: da.pointer)
                    a.accumulateGrad(da, owned: true)
                }
                if b.requiresGrad {
                    // dB = Aᵀ · dC (K, N), or its transpose (N, K) when B was read transposed.
                    let db = Tensor.empty(b.shape)
                    if transposeB {
                        BLAS.gemm(transA: true, transB: false, m: n, n: k, k: rows,
                                  a: g.pointer, b: a.pointer, c: db.pointer)
                    } else {
                        BLAS.gemm(transA: true, transB: false, m: k, n: n, k: rows,
                                  a: a.pointer, b: g.pointer, c: db.pointer)
                    }
                    b.accumulateGrad(db, owned: true)
                }
            }
        }

        precondition(Array(b.shape.dropLast(2)) == batchShape || b.rank == 2,
                     "matmul batch axes differ: \(a.shape) × \(b.shape)")
        let batch = batchShape.reduce(1, *)
        let aStride = m * k, bStride = b.rank == 2 ? 0 : k * n, cStride = m * n
        let out = Tensor.empty(batchShape + [m, n])
        Parallel.forEach(batch, workPerItem: 2 * m * n * k) { range in
            for i in range {
                BLAS.gemm(transA: transposeA, transB: transposeB, m: m, n: n, k: k,
                          a: a.pointer + i * aStride, b: b.pointer + i * bStride, c: out.pointer + i * cStride)
            }
        }
        return record(out, op: "bmm", inputs: [a, b]) { g, _ in
            if a.requiresGrad {
                // dA = dC·op(B)ᵀ, stored as op(A)'s layout: transposed back when A was read transposed.
                let da = Tensor.empty(a.shape)
                Parallel.forEach(batch, workPerItem: 2 * m * n * k) { range in
                    for i in range {
                        if transposeA {  // A is (K, M): dA = op(B) · dCᵀ
                            BLAS.gemm(transA: transposeB, transB: true, m: k, n: m, k: n,
                                      a: b.pointer + i * bStride, b: g.pointer + i * cStride, c: da.pointer + i * aStride)
                        } else {         // A is (M, K): dA = dC · op(B)ᵀ
                            BLAS.gemm(transA: false, transB: !transposeB, m: m, n: k, k: n,
                                      a: g.pointer + i * cStride, b: b.pointer + i * bStride, c: da.pointer + i * aStride)
                        }
                    }
                }
                a.accumulateGrad(da, owned: true)
            }
            if b.requiresGrad {
                let db = Tensor.zeros(b.shape)
                // A shared rank-2 B sums its gradient over the batch; sgemm's beta=1 accumulates.
                let shared = b.rank == 2
                let body: (Int) -> Void = { i in
                    let dst = db.pointer + i * bStride
                    if transposeB {  // B is (N, K): dB = dCᵀ · op(A)
                        BLAS.gemm(transA: true, transB: transposeA, m: n, n: k, k: m,
                                  a: g.pointer + i * cStride, b: a.pointer + i * aStride, beta: shared ? 1 : 0, c: dst)
                    } else {         // B is (K, N): dB = op(A)ᵀ · dC
                        BLAS.gemm(transA: !transposeA, transB: false, m: k, n: n, k: m,
                                  a: a.pointer + i * aStride, b: g.pointer + i * cStride, beta: shared ? 1 : 0, c: dst)
                    }
                }
                if shared {
                    for i in 0..<batch { body(i) }
                } else {
                    Parallel.forEach(batch, workPerItem: 2 * m * n * k) { range in for i in range { body(i) } }
                }
                b.accumulateGrad(db, owned: true)
            }
        }
    }
}
