// Few-row matrix products against a row-major weight (out, in), without packing.
//
// With M ≤ 16 rows (the beams of one decoding step) sgemm spends most of its time packing
// the weight into its panel layout, once per call, for a product that reads each weight
// element only M times. Here every output is a dot product of an A row with a contiguous
// B row, computed in 2 × 4 tiles (2 A rows × 4 B rows: 6 loads feed 8 FMAs), so B streams
// through once per pair of A rows, and the A rows stay in L1.
//
// The SIMD versions are compiled for their instruction sets by target attributes, so the
// rest of the program keeps the baseline ISA; the caller picks one from the CPU's flags.
#include "CKernels.h"
#include <immintrin.h>

static inline void store(float *c, float v, float alpha, float beta) {
    *c = beta == 0.0f ? alpha * v : alpha * v + beta * *c;
}

// Runs `tile(a0, a1, b0..b3, k, sums, next block, ldb)` over 2 × 4 tiles; edge tiles repeat the last valid
// row so the kernel needs no branches, and only valid sums are stored.
#define SMALL_ROWS_DRIVER(TILE)                                                         \
    for (int j = n0; j < n1; j += 4) {                                                  \
        int nb = n1 - j < 4 ? n1 - j : 4;                                               \
        const float *bp[4];                                                             \
        for (int q = 0; q < 4; q++) bp[q] = b + (long)(j + (q < nb ? q : nb - 1)) * ldb; \
        /* The first pair of A rows also requests the next block's rows, a line per     \
           row per iteration: a weight bigger than L2 otherwise stalls on every row.  */ \
        const float *next = j + 8 <= n1 ? b + (long)(j + 4) * ldb : 0;                  \
        for (int i = 0; i < m; i += 2) {                                                \
            int mb = m - i < 2 ? m - i : 2;                                             \
            const float *a0 = a + (long)i * lda;                                        \
            const float *a1 = mb == 2 ? a0 + lda : a0;                                  \
            float s[8];                                                                 \
            TILE(a0, a1, bp[0], bp[1], bp[2], bp[3], k, s, i == 0 ? next : 0, ldb);     \
            for (int r = 0; r < mb; r++)                                                \
                for (int q = 0; q < nb; q++)                                            \
                    store(c + (long)(i + r) * ldc + j + q, s[r * 4 + q], alpha, beta);  \
        }                                                                               \
    }

// The four lane sums of a, b, c, d as one vector: pairwise hadds, then the 128-bit halves
// added (a quarter of the shuffles of four separate reductions).
__attribute__((target("avx2,fma")))
static inline __m128 hsum4_256(__m256 a, __m256 b, __m256 c, __m256 d) {
    __m256 t = _mm256_hadd_ps(_mm256_hadd_ps(a, b), _mm256_hadd_ps(c, d));
    return _mm_add_ps(_mm256_castps256_ps128(t), _mm256_extractf128_ps(t, 1));
}

__attribute__((target("avx512f")))
static inline __m256 half_sum_512(__m512 v) {
    return _mm256_add_ps(_mm512_castps512_ps256(v), _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
}

__attribute__((target("avx512f")))
static inline __m128 hsum4_512(__m512 a, __m512 b, __m512 c, __m512 d) {
    return hsum4_256(half_sum_512(a), half_sum_512(b), half_sum_512(c), half_sum_512(d));
}

__attribute__((target("avx512f")))
static void tile_avx512(const float *a0, const float *a1, const float *b0, const float *b1,
                        const float *b2, const float *b3, int k, float *s, const float *next, int ldb) {
    __m512 c00 = _mm512_setzero_ps(), c01 = c00, c02 = c00, c03 = c00;
    __m512 c10 = c00, c11 = c00, c12 = c00, c13 = c00;
    int p = 0;
    for (; p + 16 <= k; p += 16) {
        if (next) {
            _mm_prefetch((const char *)(next + p), _MM_HINT_T0);
            _mm_prefetch((const char *)(next + ldb + p), _MM_HINT_T0);
            _mm_prefetch((const char *)(next + 2L * ldb + p), _MM_HINT_T0);
            _mm_prefetch((const char *)(next + 3L * ldb + p), _MM_HINT_T0);
        }
        __m512 x0 = _mm512_loadu_ps(a0 + p), x1 = _mm512_loadu_ps(a1 + p);
        __m512 w = _mm512_loadu_ps(b0 + p);
        c00 = _mm512_fmadd_ps(x0, w, c00); c10 = _mm512_fmadd_ps(x1, w, c10);
        w = _mm512_loadu_ps(b1 + p);
        c01 = _mm512_fmadd_ps(x0, w, c01); c11 = _mm512_fmadd_ps(x1, w, c11);
        w = _mm512_loadu_ps(b2 + p);
        c02 = _mm512_fmadd_ps(x0, w, c02); c12 = _mm512_fmadd_ps(x1, w, c12);
        w = _mm512_loadu_ps(b3 + p);
        c03 = _mm512_fmadd_ps(x0, w, c03); c13 = _mm512_fmadd_ps(x1, w, c13);
    }
    if (p < k) {
        __mmask16 t = (__mmask16)((1u << (k - p)) - 1);
        __m512 x0 = _mm512_maskz_loadu_ps(t, a0 + p), x1 = _mm512_maskz_loadu_ps(t, a1 + p);
        __m512 w = _mm512_maskz_loadu_ps(t, b0 + p);
        c00 = _mm512_fmadd_ps(x0, w, c00); c10 = _mm512_fmadd_ps(x1, w, c10);
        w = _mm512_maskz_loadu_ps(t, b1 + p);
        c01 = _mm512_fmadd_ps(x0, w, c01); c11 = _mm512_fmadd_ps(x1, w, c11);
        w = _mm512_maskz_loadu_ps(t, b2 + p);
        c02 = _mm512_fmadd_ps(x0, w, c02); c12 = _mm512_fmadd_ps(x1, w, c12);
        w = _mm512_maskz_loadu_ps(t, b3 + p);
        c03 = _mm512_fmadd_ps(x0, w, c03); c13 = _mm512_fmadd_ps(x1, w, c13);
    }
    _mm_storeu_ps(s, hsum4_512(c00, c01, c02, c03));
    _mm_storeu_ps(s + 4, hsum4_512(c10, c11, c12, c13));
}

__attribute__((target("avx2,fma")))
static void tile_avx2(const float *a0, const float *a1, const float *b0, const float *b1,
                      const float *b2, const float *b3, int k, float *s, const float *next, int ldb) {
    __m256 c00 = _mm256_setzero_ps(), c01 = c00, c02 = c00, c03 = c00;
    __m256 c10 = c00, c11 = c00, c12 = c00, c13 = c00;
    int p = 0;
    for (; p + 8 <= k; p += 8) {
        if (next && (p & 15) == 0) {
            _mm_prefetch((const char *)(next + p), _MM_HINT_T0);
            _mm_prefetch((const char *)(next + ldb + p), _MM_HINT_T0);
            _mm_prefetch((const char *)(next + 2L * ldb + p), _MM_HINT_T0);
            _mm_prefetch((const char *)(next + 3L * ldb + p), _MM_HINT_T0);
        }
        __m256 x0 = _mm256_loadu_ps(a0 + p), x1 = _mm256_loadu_ps(a1 + p);
        __m256 w = _mm256_loadu_ps(b0 + p);
        c00 = _mm256_fmadd_ps(x0, w, c00); c10 = _mm256_fmadd_ps(x1, w, c10);
        w = _mm256_loadu_ps(b1 + p);
        c01 = _mm256_fmadd_ps(x0, w, c01); c11 = _mm256_fmadd_ps(x1, w, c11);
        w = _mm256_loadu_ps(b2 + p);
        c02 = _mm256_fmadd_ps(x0, w, c02); c12 = _mm256_fmadd_ps(x1, w, c12);
        w = _mm256_loadu_ps(b3 + p);
        c03 = _mm256_fmadd_ps(x0, w, c03); c13 = _mm256_fmadd_ps(x1, w, c13);
    }
    _mm_storeu_ps(s, hsum4_256(c00, c01, c02, c03));
    _mm_storeu_ps(s + 4, hsum4_256(c10, c11, c12, c13));
    for (; p < k; p++) {
        s[0] += a0[p] * b0[p]; s[1] += a0[p] * b1[p]; s[2] += a0[p] * b2[p]; s[3] += a0[p] * b3[p];
        s[4] += a1[p] * b0[p]; s[5] += a1[p] * b1[p]; s[6] += a1[p] * b2[p]; s[7] += a1[p] * b3[p];
    }
}

static void tile_portable(const float *a0, const float *a1, const float *b0, const float *b1,
                          const float *b2, const float *b3, int k, float *s, const float *next, int ldb) {
    (void)next; (void)ldb;
    for (int q = 0; q < 8; q++) s[q] = 0;
    for (int p = 0; p < k; p++) {
        s[0] += a0[p] * b0[p]; s[1] += a0[p] * b1[p]; s[2] += a0[p] * b2[p]; s[3] += a0[p] * b3[p];
        s[4] += a1[p] * b0[p]; s[5] += a1[p] * b1[p]; s[6] += a1[p] * b2[p]; s[7] += a1[p] * b3[p];
    }
}

__attribute__((target("avx512f")))
static void run_avx512(int m, int n0, int n1, int k, float alpha, const float *a, int lda,
                       const float *b, int ldb, float beta, float *c, int ldc) {
    SMALL_ROWS_DRIVER(tile_avx512)
}

__attribute__((target("avx2,fma")))
static void run_avx2(int m, int n0, int n1, int k, float alpha, const float *a, int lda,
                     const float *b, int ldb, float beta, float *c, int ldc) {
    SMALL_ROWS_DRIVER(tile_avx2)
}

static void run_portable(int m, int n0, int n1, int k, float alpha, const float *a, int lda,
                         const float *b, int ldb, float beta, float *c, int ldc) {
    SMALL_ROWS_DRIVER(tile_portable)
}

void ck_gemm_small_rows_nt(int level, int m, int n0, int n1, int k, float alpha,
                           const float *a, int lda, const float *b, int ldb,
                           float beta, float *c, int ldc) {
    if (m <= 0 || n1 <= n0) return;
    if (level >= 2) run_avx512(m, n0, n1, k, alpha, a, lda, b, ldb, beta, c, ldc);
    else if (level == 1) run_avx2(m, n0, n1, k, alpha, a, lda, b, ldb, beta, c, ldc);
    else run_portable(m, n0, n1, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
