import COpenBLAS

/// Thin, row-major wrappers over CBLAS. Every matrix product in the engine goes through
/// `gemm`, so transposes are expressed as flags rather than copies; products of a few rows
/// with a transposed B (decoding steps against weights) take `SmallRowsGemm` instead.
public enum BLAS {
    /// C = alpha · op(A) · op(B) + beta · C, row-major; op(A) is (M, K), op(B) is (K, N).
    /// Leading dimensions default to the contiguous row lengths. `kind`: what `FLOPCounter`
    /// files the product under.
    @inline(__always)
    public static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                            alpha: Float = 1, a: UnsafePointer<Float>, lda: Int? = nil,
                            b: UnsafePointer<Float>, ldb: Int? = nil,
                            beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int? = nil,
                            kind: FLOPCounter.Kind = .matmul) {
        guard m > 0, n > 0 else { return }
        guard k > 0 else {
            // BLAS would leave C untouched when K = 0; the product is beta·C.
            if beta == 0 { for i in 0..<(m * (ldc ?? n)) { c[i] = 0 } }
            return
        }
        if !transA && transB && m <= SmallRowsGemm.maxRows {
            // A few rows against a (N, K) weight: no packing (see SmallRowsGemm).
            SmallRowsGemm.multiply(m: m, n: n, k: k, alpha: alpha, a: a, lda: lda ?? k, b: b, ldb: ldb ?? k,
                                   beta: beta, c: c, ldc: ldc ?? n, kind: kind)
            return
        }
        FLOPCounter.add(kind, m: m, n: n, k: k)
        cblas_sgemm(CblasRowMajor,
                    transA ? CblasTrans : CblasNoTrans,
                    transB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha,
                    a, Int32(lda ?? (transA ? m : k)),
                    b, Int32(ldb ?? (transB ? k : n)),
                    beta, c, Int32(ldc ?? n))
    }
}
