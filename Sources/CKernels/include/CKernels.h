#ifndef CKERNELS_H
#define CKERNELS_H

/// C = alpha · A · Bᵀ (+ beta · C) for few rows of A, row-major:
/// A (m, k) with leading dimension lda, B (n, k) with ldb — a weight in PyTorch's
/// (out, in) layout —, C (m, n) with ldc. Only B's rows [n0, n1) are computed, so callers
/// can split the output columns over threads. beta == 0 never reads C.
/// `level`: 2 = AVX-512F, 1 = AVX2 + FMA, 0 = portable C; the caller checks the CPU.
void ck_gemm_small_rows_nt(int level, int m, int n0, int n1, int k, float alpha,
                           const float *a, int lda, const float *b, int ldb,
                           float beta, float *c, int ldc);

#endif
