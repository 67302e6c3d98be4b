// Products with weights stored as GGML blocks (Q8_0, Q4_0, Q4_1), read where they lie.
//
// A GGUF file keeps a (n, k) weight as n rows of k/32 blocks; a block is an f16 scale d
// (Q4_1 also an f16 offset m) and 32 quantised values: Q8_0 int8 q (x = q·d), Q4_0
// nibbles (x = (q − 8)·d), Q4_1 nibbles (x = q·d + m). The nibble blocks hold elements
// 0..15 in the low nibbles of their 16 bytes and 16..31 in the high ones.
//
// Decoding reads every weight once per token, so the weights stay in their 4.5–8.5 bits:
// each block is expanded to floats in registers (never written back), turned into
// w = q·d + m by one FMA per 16 lanes, and multiplied with f32 activations. The
// activations are not quantised, so a product differs from the dequantised-f32 product
// only by the order of its sums.
//
// One weight row at a time: the kernels that take a single activation row (decoding) keep
// two weight rows in flight; with more rows, four weight rows are expanded into an L1
// scratch panel once and the panel multiplies every activation row in 2 × 4 tiles.
// Levels as in SmallRowsGemm.c: 2 = AVX-512F, 1 = AVX2 + FMA + F16C, 0 = portable C.
#include "CKernels.h"
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#define QK 32
// Activation rows beyond which one pass over the weights stops paying: the panel path
// handles any m, but the scratch panel bounds k per pass.
#define PANEL_K 1024

long ck_quant_block_bytes(int type) {
    switch (type) {
    case CK_Q8_0: return 34;
    case CK_Q4_0: return 18;
    case CK_Q4_1: return 20;
    default: return 0;
    }
}

static inline float half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1F, man = h & 0x3FF, bits;
    if (exp == 0) {
        if (man == 0) bits = sign;
        else {  // subnormal: normalise
            int e = -1;
            do { e++; man <<= 1; } while (!(man & 0x400));
            bits = sign | ((uint32_t)(127 - 15 - e) << 23) | ((man & 0x3FF) << 13);
        }
    } else if (exp == 31) bits = sign | 0x7F800000 | (man << 13);
    else bits = sign | ((exp + 127 - 15) << 23) | (man << 13);
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

static inline uint16_t read_u16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }

// ---- portable --------------------------------------------------------------------------

static inline void block_portable(int type, const uint8_t *b, float *w) {
    float d = half_to_float(read_u16(b));
    if (type == CK_Q8_0) {
        const int8_t *q = (const int8_t *)(b + 2);
        for (int i = 0; i < QK; i++) w[i] = q[i] * d;
    } else {
        float m = type == CK_Q4_1 ? half_to_float(read_u16(b + 2)) : -8.0f * d;
        const uint8_t *q = b + (type == CK_Q4_1 ? 4 : 2);
        for (int i = 0; i < 16; i++) {
            w[i] = (float)(q[i] & 0x0F) * d + m;
            w[i + 16] = (float)(q[i] >> 4) * d + m;
        }
    }
}

static void dequantize_portable(int type, const uint8_t *row, int k, float *out) {
    long bb = ck_quant_block_bytes(type);
    for (int b = 0; b < k / QK; b++) block_portable(type, row + b * bb, out + b * QK);
}

// ---- AVX-512 ---------------------------------------------------------------------------

// The block's 32 weights as two 16-lane vectors, w = q·d + m.
__attribute__((target("avx512f"), always_inline))
static inline void block_avx512(int type, const uint8_t *b, __m512 *lo, __m512 *hi) {
    if (type == CK_Q8_0) {
        __m512 d = _mm512_set1_ps(_cvtsh_ss(read_u16(b)));
        __m128i q0 = _mm_loadu_si128((const __m128i *)(b + 2)), q1 = _mm_loadu_si128((const __m128i *)(b + 18));
        *lo = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(q0)), d);
        *hi = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(q1)), d);
        return;
    }
    __m512 d, m;
    const uint8_t *qs;
    if (type == CK_Q4_1) {
        int dm;
        memcpy(&dm, b, 4);
        __m128 both = _mm_cvtph_ps(_mm_cvtsi32_si128(dm));
        d = _mm512_broadcastss_ps(both);
        m = _mm512_broadcastss_ps(_mm_movehdup_ps(both));
        qs = b + 4;
    } else {
        float df = _cvtsh_ss(read_u16(b));
        d = _mm512_set1_ps(df);
        m = _mm512_set1_ps(-8.0f * df);
        qs = b + 2;
    }
    __m128i raw = _mm_loadu_si128((const __m128i *)qs), low4 = _mm_set1_epi8(0x0F);
    __m512 ql = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_and_si128(raw, low4)));
    __m512 qh = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_and_si128(_mm_srli_epi16(raw, 4), low4)));
    *lo = _mm512_fmadd_ps(ql, d, m);
    *hi = _mm512_fmadd_ps(qh, d, m);
}

__attribute__((target("avx512f")))
static inline float hsum512(__m512 v) { return _mm512_reduce_add_ps(v); }

// One activation row against weight rows [n0, n1): two rows in flight, so the FMA chains
// of one hide the other's latency.
__attribute__((target("avx512f"), always_inline))
static inline void vec_avx512(int type, int n0, int n1, int k, const float *x, const uint8_t *w,
                              long row_bytes, float *y) {
    long bb = ck_quant_block_bytes(type);
    int nb = k / QK, j = n0;
    for (; j + 2 <= n1; j += 2) {
        const uint8_t *r0 = w + (long)j * row_bytes, *r1 = r0 + row_bytes;
        __m512 a0 = _mm512_setzero_ps(), a1 = a0, c0 = a0, c1 = a0;
        for (int b = 0; b < nb; b++) {
            _mm_prefetch((const char *)(r0 + 2 * row_bytes + b * bb), _MM_HINT_T0);
            _mm_prefetch((const char *)(r1 + 2 * row_bytes + b * bb), _MM_HINT_T0);
            __m512 xl = _mm512_loadu_ps(x + b * QK), xh = _mm512_loadu_ps(x + b * QK + 16), lo, hi;
            block_avx512(type, r0 + b * bb, &lo, &hi);
            a0 = _mm512_fmadd_ps(lo, xl, a0);
            a1 = _mm512_fmadd_ps(hi, xh, a1);
            block_avx512(type, r1 + b * bb, &lo, &hi);
            c0 = _mm512_fmadd_ps(lo, xl, c0);
            c1 = _mm512_fmadd_ps(hi, xh, c1);
        }
        y[j] = hsum512(_mm512_add_ps(a0, a1));
        y[j + 1] = hsum512(_mm512_add_ps(c0, c1));
    }
    if (j < n1) {
        const uint8_t *r0 = w + (long)j * row_bytes;
        __m512 a0 = _mm512_setzero_ps(), a1 = a0;
        for (int b = 0; b < nb; b++) {
            __m512 lo, hi;
            block_avx512(type, r0 + b * bb, &lo, &hi);
            a0 = _mm512_fmadd_ps(lo, _mm512_loadu_ps(x + b * QK), a0);
            a1 = _mm512_fmadd_ps(hi, _mm512_loadu_ps(x + b * QK + 16), a1);
        }
        y[j] = hsum512(_mm512_add_ps(a0, a1));
    }
}

__attribute__((target("avx512f"), always_inline))
static inline void dequantize_avx512(int type, const uint8_t *row, int k, float *out) {
    long bb = ck_quant_block_bytes(type);
    for (int b = 0; b < k / QK; b++) {
        __m512 lo, hi;
        block_avx512(type, row + b * bb, &lo, &hi);
        _mm512_storeu_ps(out + b * QK, lo);
        _mm512_storeu_ps(out + b * QK + 16, hi);
    }
}

// ---- AVX2 ------------------------------------------------------------------------------

__attribute__((target("avx2,fma,f16c"), always_inline))
static inline void block_avx2(int type, const uint8_t *b, __m256 w[4]) {
    __m256 d, m;
    if (type == CK_Q8_0) {
        d = _mm256_set1_ps(_cvtsh_ss(read_u16(b)));
        for (int i = 0; i < 4; i++)
            w[i] = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)(b + 2 + 8 * i)))), d);
        return;
    }
    const uint8_t *qs;
    if (type == CK_Q4_1) {
        d = _mm256_set1_ps(_cvtsh_ss(read_u16(b)));
        m = _mm256_set1_ps(_cvtsh_ss(read_u16(b + 2)));
        qs = b + 4;
    } else {
        float df = _cvtsh_ss(read_u16(b));
        d = _mm256_set1_ps(df);
        m = _mm256_set1_ps(-8.0f * df);
        qs = b + 2;
    }
    __m128i raw = _mm_loadu_si128((const __m128i *)qs), low4 = _mm_set1_epi8(0x0F);
    __m128i lo = _mm_and_si128(raw, low4), hi = _mm_and_si128(_mm_srli_epi16(raw, 4), low4);
    w[0] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(lo)), d, m);
    w[1] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(lo, 8))), d, m);
    w[2] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(hi)), d, m);
    w[3] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(hi, 8))), d, m);
}

__attribute__((target("avx2,fma,f16c")))
static inline float hsum256(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

__attribute__((target("avx2,fma,f16c"), always_inline))
static inline void vec_avx2(int type, int n0, int n1, int k, const float *x, const uint8_t *w,
                            long row_bytes, float *y) {
    long bb = ck_quant_block_bytes(type);
    int nb = k / QK;
    for (int j = n0; j < n1; j++) {
        const uint8_t *r = w + (long)j * row_bytes;
        __m256 a0 = _mm256_setzero_ps(), a1 = a0;
        for (int b = 0; b < nb; b++) {
            _mm_prefetch((const char *)(r + row_bytes + b * bb), _MM_HINT_T0);
            __m256 v[4];
            block_avx2(type, r + b * bb, v);
            const float *xb = x + b * QK;
            a0 = _mm256_fmadd_ps(v[0], _mm256_loadu_ps(xb), a0);
            a1 = _mm256_fmadd_ps(v[1], _mm256_loadu_ps(xb + 8), a1);
            a0 = _mm256_fmadd_ps(v[2], _mm256_loadu_ps(xb + 16), a0);
            a1 = _mm256_fmadd_ps(v[3], _mm256_loadu_ps(xb + 24), a1);
        }
        y[j] = hsum256(_mm256_add_ps(a0, a1));
    }
}

__attribute__((target("avx2,fma,f16c"), always_inline))
static inline void dequantize_avx2(int type, const uint8_t *row, int k, float *out) {
    long bb = ck_quant_block_bytes(type);
    for (int b = 0; b < k / QK; b++) {
        __m256 v[4];
        block_avx2(type, row + b * bb, v);
        for (int i = 0; i < 4; i++) _mm256_storeu_ps(out + b * QK + 8 * i, v[i]);
    }
}

// ---- drivers ---------------------------------------------------------------------------

__attribute__((target("avx512f"))) static void deq_avx512_q8_0(const uint8_t *r, int k, float *o) { dequantize_avx512(CK_Q8_0, r, k, o); }
__attribute__((target("avx512f"))) static void deq_avx512_q4_0(const uint8_t *r, int k, float *o) { dequantize_avx512(CK_Q4_0, r, k, o); }
__attribute__((target("avx512f"))) static void deq_avx512_q4_1(const uint8_t *r, int k, float *o) { dequantize_avx512(CK_Q4_1, r, k, o); }
__attribute__((target("avx2,fma,f16c"))) static void deq_avx2_q8_0(const uint8_t *r, int k, float *o) { dequantize_avx2(CK_Q8_0, r, k, o); }
__attribute__((target("avx2,fma,f16c"))) static void deq_avx2_q4_0(const uint8_t *r, int k, float *o) { dequantize_avx2(CK_Q4_0, r, k, o); }
__attribute__((target("avx2,fma,f16c"))) static void deq_avx2_q4_1(const uint8_t *r, int k, float *o) { dequantize_avx2(CK_Q4_1, r, k, o); }

typedef void (*dequant_fn)(const uint8_t *, int, float *);

static void deq_portable_q8_0(const uint8_t *r, int k, float *o) { dequantize_portable(CK_Q8_0, r, k, o); }
static void deq_portable_q4_0(const uint8_t *r, int k, float *o) { dequantize_portable(CK_Q4_0, r, k, o); }
static void deq_portable_q4_1(const uint8_t *r, int k, float *o) { dequantize_portable(CK_Q4_1, r, k, o); }

static dequant_fn pick_dequant(int level, int type) {
    static const dequant_fn table[3][3] = {
        {deq_portable_q8_0, deq_portable_q4_0, deq_portable_q4_1},
        {deq_avx2_q8_0, deq_avx2_q4_0, deq_avx2_q4_1},
        {deq_avx512_q8_0, deq_avx512_q4_0, deq_avx512_q4_1},
    };
    int t = type == CK_Q8_0 ? 0 : type == CK_Q4_0 ? 1 : 2;
    return table[level >= 2 ? 2 : level == 1 ? 1 : 0][t];
}

void ck_quant_dequantize_rows(int level, int type, int n0, int n1, int k, const void *w, long row_bytes,
                              float *out, long ldo) {
    dequant_fn f = pick_dequant(level, type);
    for (int j = n0; j < n1; j++) f((const uint8_t *)w + (long)j * row_bytes, k, out + (long)(j - n0) * ldo);
}

__attribute__((target("avx512f"))) static void vec_avx512_q8_0(int n0, int n1, int k, const float *x, const uint8_t *w, long rb, float *y) { vec_avx512(CK_Q8_0, n0, n1, k, x, w, rb, y); }
__attribute__((target("avx512f"))) static void vec_avx512_q4_0(int n0, int n1, int k, const float *x, const uint8_t *w, long rb, float *y) { vec_avx512(CK_Q4_0, n0, n1, k, x, w, rb, y); }
__attribute__((target("avx512f"))) static void vec_avx512_q4_1(int n0, int n1, int k, const float *x, const uint8_t *w, long rb, float *y) { vec_avx512(CK_Q4_1, n0, n1, k, x, w, rb, y); }
__attribute__((target("avx2,fma,f16c"))) static void vec_avx2_q8_0(int n0, int n1, int k, const float *x, const uint8_t *w, long rb, float *y) { vec_avx2(CK_Q8_0, n0, n1, k, x, w, rb, y); }
__attribute__((target("avx2,fma,f16c"))) static void vec_avx2_q4_0(int n0, int n1, int k, const float *x, const uint8_t *w, long rb, float *y) { vec_avx2(CK_Q4_0, n0, n1, k, x, w, rb, y); }
__attribute__((target("avx2,fma,f16c"))) static void vec_avx2_q4_1(int n0, int n1, int k, const float *x, const uint8_t *w, long rb, float *y) { vec_avx2(CK_Q4_1, n0, n1, k, x, w, rb, y); }

typedef void (*vec_fn)(int, int, int, const float *, const uint8_t *, long, float *);

// Single row, portable: a block expanded to 32 floats, then dotted.
static void vec_portable(int type, int n0, int n1, int k, const float *x, const uint8_t *w, long rb, float *y) {
    long bb = ck_quant_block_bytes(type);
    float v[QK];
    for (int j = n0; j < n1; j++) {
        float s = 0;
        for (int b = 0; b < k / QK; b++) {
            block_portable(type, w + (long)j * rb + b * bb, v);
            for (int i = 0; i < QK; i++) s += v[i] * x[b * QK + i];
        }
        y[j] = s;
    }
}

// The four dot products of a0, a1 with p0..p3 (n floats each) into s[0..3], s[4..7].
__attribute__((target("avx512f")))
static void tile_avx512(const float *a0, const float *a1, const float *p0, const float *p1, const float *p2,
                        const float *p3, int n, float *s) {
    __m512 c00 = _mm512_setzero_ps(), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00;
    for (int p = 0; p < n; p += 16) {
        __m512 x0 = _mm512_loadu_ps(a0 + p), x1 = _mm512_loadu_ps(a1 + p), w = _mm512_loadu_ps(p0 + p);
        c00 = _mm512_fmadd_ps(x0, w, c00); c10 = _mm512_fmadd_ps(x1, w, c10);
        w = _mm512_loadu_ps(p1 + p);
        c01 = _mm512_fmadd_ps(x0, w, c01); c11 = _mm512_fmadd_ps(x1, w, c11);
        w = _mm512_loadu_ps(p2 + p);
        c02 = _mm512_fmadd_ps(x0, w, c02); c12 = _mm512_fmadd_ps(x1, w, c12);
        w = _mm512_loadu_ps(p3 + p);
        c03 = _mm512_fmadd_ps(x0, w, c03); c13 = _mm512_fmadd_ps(x1, w, c13);
    }
    s[0] = hsum512(c00); s[1] = hsum512(c01); s[2] = hsum512(c02); s[3] = hsum512(c03);
    s[4] = hsum512(c10); s[5] = hsum512(c11); s[6] = hsum512(c12); s[7] = hsum512(c13);
}

__attribute__((target("avx2,fma,f16c")))
static void tile_avx2(const float *a0, const float *a1, const float *p0, const float *p1, const float *p2,
                      const float *p3, int n, float *s) {
    __m256 c00 = _mm256_setzero_ps(), c01 = c00, c02 = c00, c03 = c00, c10 = c00, c11 = c00, c12 = c00, c13 = c00;
    for (int p = 0; p < n; p += 8) {
        __m256 x0 = _mm256_loadu_ps(a0 + p), x1 = _mm256_loadu_ps(a1 + p), w = _mm256_loadu_ps(p0 + p);
        c00 = _mm256_fmadd_ps(x0, w, c00); c10 = _mm256_fmadd_ps(x1, w, c10);
        w = _mm256_loadu_ps(p1 + p);
        c01 = _mm256_fmadd_ps(x0, w, c01); c11 = _mm256_fmadd_ps(x1, w, c11);
        w = _mm256_loadu_ps(p2 + p);
        c02 = _mm256_fmadd_ps(x0, w, c02); c12 = _mm256_fmadd_ps(x1, w, c12);
        w = _mm256_loadu_ps(p3 + p);
        c03 = _mm256_fmadd_ps(x0, w, c03); c13 = _mm256_fmadd_ps(x1, w, c13);
    }
    s[0] = hsum256(c00); s[1] = hsum256(c01); s[2] = hsum256(c02); s[3] = hsum256(c03);
    s[4] = hsum256(c10); s[5] = hsum256(c11); s[6] = hsum256(c12); s[7] = hsum256(c13);
}

static void tile_portable(const float *a0, const float *a1, const float *p0, const float *p1, const float *p2,
                          const float *p3, int n, float *s) {
    for (int q = 0; q < 8; q++) s[q] = 0;
    for (int p = 0; p < n; p++) {
        s[0] += a0[p] * p0[p]; s[1] += a0[p] * p1[p]; s[2] += a0[p] * p2[p]; s[3] += a0[p] * p3[p];
        s[4] += a1[p] * p0[p]; s[5] += a1[p] * p1[p]; s[6] += a1[p] * p2[p]; s[7] += a1[p] * p3[p];
    }
}

typedef void (*tile_fn)(const float *, const float *, const float *, const float *, const float *, const float *, int, float *);

// Several activation rows: four weight rows at a time are expanded into a panel of at most
// PANEL_K columns (16 KB, stays in L1), which every pair of activation rows then reads.
static void panel_rows(int level, int type, int m, int n0, int n1, int k, const float *x, long ldx,
                       const uint8_t *w, long row_bytes, float *y, long ldy) {
    float panel[4 * PANEL_K] __attribute__((aligned(64)));
    dequant_fn deq = pick_dequant(level, type);
    tile_fn tile = level >= 2 ? tile_avx512 : level == 1 ? tile_avx2 : tile_portable;
    long bb = ck_quant_block_bytes(type);
    for (int j = n0; j < n1; j += 4) {
        int nb = n1 - j < 4 ? n1 - j : 4;
        for (int p0 = 0; p0 < k; p0 += PANEL_K) {
            int len = k - p0 < PANEL_K ? k - p0 : PANEL_K;
            for (int q = 0; q < 4; q++)
                deq(w + (long)(j + (q < nb ? q : nb - 1)) * row_bytes + (long)(p0 / QK) * bb, len, panel + q * PANEL_K);
            for (int i = 0; i < m; i += 2) {
                int mb = m - i < 2 ? m - i : 2;
                const float *a0 = x + (long)i * ldx + p0, *a1 = mb == 2 ? a0 + ldx : a0;
                float s[8];
                tile(a0, a1, panel, panel + PANEL_K, panel + 2 * PANEL_K, panel + 3 * PANEL_K, len, s);
                for (int r = 0; r < mb; r++)
                    for (int q = 0; q < nb; q++) {
                        float *c = y + (long)(i + r) * ldy + j + q;
                        *c = p0 == 0 ? s[r * 4 + q] : *c + s[r * 4 + q];
                    }
            }
        }
    }
}

void ck_quant_gemm_nt(int level, int type, int m, int n0, int n1, int k, const float *x, long ldx,
                      const void *w, long row_bytes, float *y, long ldy) {
    if (m <= 0 || n1 <= n0) return;
    if (k <= 0) {
        for (int i = 0; i < m; i++) for (int j = n0; j < n1; j++) y[(long)i * ldy + j] = 0;
        return;
    }
    const uint8_t *wb = (const uint8_t *)w;
    if (m == 1) {
        static const vec_fn table[2][3] = {
            {vec_avx2_q8_0, vec_avx2_q4_0, vec_avx2_q4_1},
            {vec_avx512_q8_0, vec_avx512_q4_0, vec_avx512_q4_1},
        };
        int t = type == CK_Q8_0 ? 0 : type == CK_Q4_0 ? 1 : 2;
        if (level >= 1) table[level >= 2 ? 1 : 0][t](n0, n1, k, x, wb, row_bytes, y);
        else vec_portable(type, n0, n1, k, x, wb, row_bytes, y);
        return;
    }
    panel_rows(level, type, m, n0, n1, k, x, ldx, wb, row_bytes, y, ldy);
}
