// exp-based row kernels: softmax rows, exp(x − shift) with its sum, SwiGLU's gate, GELU and
// its gradient.
//
// The Swift package builds for the x86-64 baseline (SSE2), where its SIMD8 exp splits into
// two 4-lane halves and scalarises its masks (pinsrw/movq in the profile): a 500-event
// encoder pass spent more time in softmax rows than in its matrix products. Here the same
// Cephes polynomial runs in 16 (AVX-512) or 8 (AVX2 + FMA) lanes, picked at run time like
// SmallRowsGemm.c. Tails are masked (AVX-512) or padded (AVX2), so every element of a row
// gets the same arithmetic wherever the vector body ends.
#include "CKernels.h"
#include <immintrin.h>
#include <math.h>
#include <string.h>

// Cephes expf: n = round(x / ln 2), r = x − n·ln 2 (in two parts, so r keeps full
// precision), exp(r) by a degree-6 polynomial, times 2ⁿ built in the exponent bits.
#define EXP_LO (-87.33654f)
#define EXP_HI 88.37626f
#define LOG2E 1.44269504f
#define LN2_HI 0.693359375f
#define LN2_LO (-2.12194440e-4f)
#define MAGIC 12582912.0f  // 1.5·2²³: adding it rounds to an integer held in the low mantissa bits
#define P0 1.9875691500e-4f
#define P1 1.3981999507e-3f
#define P2 8.3333452701e-3f
#define P3 4.1665795894e-2f
#define P4 1.6666665459e-1f
#define P5 5.0000001201e-1f
#define GELU_C 0.7978845608f  // √(2/π)
#define GELU_A 0.044715f

__attribute__((target("avx512f")))
static inline __m512 exp16(__m512 v) {
    __m512 x = _mm512_min_ps(_mm512_max_ps(v, _mm512_set1_ps(EXP_LO)), _mm512_set1_ps(EXP_HI));
    __m512 t = _mm512_fmadd_ps(x, _mm512_set1_ps(LOG2E), _mm512_set1_ps(MAGIC));
    __m512 n = _mm512_sub_ps(t, _mm512_set1_ps(MAGIC));
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(LN2_HI), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(LN2_LO), r);
    __m512 p = _mm512_set1_ps(P0);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(P1));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(P2));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(P3));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(P4));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(P5));
    p = _mm512_add_ps(_mm512_fmadd_ps(p, _mm512_mul_ps(r, r), r), _mm512_set1_ps(1.0f));
    __m512i ni = _mm512_sub_epi32(_mm512_castps_si512(t), _mm512_set1_epi32(0x4B400000));
    __m512 scale = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(ni, _mm512_set1_epi32(127)), 23));
    // Below the range: +0; NaN stays NaN (the clamp turned it into a number).
    __mmask16 keep = _mm512_cmp_ps_mask(v, _mm512_set1_ps(EXP_LO), _CMP_NLT_UQ);
    __mmask16 nan = _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
    return _mm512_mask_mov_ps(_mm512_maskz_mov_ps(keep, _mm512_mul_ps(p, scale)), nan, v);
}

__attribute__((target("avx2,fma")))
static inline __m256 exp8(__m256 v) {
    __m256 x = _mm256_min_ps(_mm256_max_ps(v, _mm256_set1_ps(EXP_LO)), _mm256_set1_ps(EXP_HI));
    __m256 t = _mm256_fmadd_ps(x, _mm256_set1_ps(LOG2E), _mm256_set1_ps(MAGIC));
    __m256 n = _mm256_sub_ps(t, _mm256_set1_ps(MAGIC));
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(LN2_HI), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(LN2_LO), r);
    __m256 p = _mm256_set1_ps(P0);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(P1));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(P2));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(P3));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(P4));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(P5));
    p = _mm256_add_ps(_mm256_fmadd_ps(p, _mm256_mul_ps(r, r), r), _mm256_set1_ps(1.0f));
    __m256i ni = _mm256_sub_epi32(_mm256_castps_si256(t), _mm256_set1_epi32(0x4B400000));
    __m256 scale = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(ni, _mm256_set1_epi32(127)), 23));
    __m256 keep = _mm256_cmp_ps(v, _mm256_set1_ps(EXP_LO), _CMP_NLT_UQ);
    __m256 nan = _mm256_cmp_ps(v, v, _CMP_UNORD_Q);
    return _mm256_blendv_ps(_mm256_and_ps(_mm256_mul_ps(p, scale), keep), v, nan);
}

static inline float exp1(float v) {
    if (v != v) return v;
    if (v < EXP_LO) return 0.0f;
    float x = v > EXP_HI ? EXP_HI : v;
    float t = x * LOG2E + MAGIC;
    float n = t - MAGIC;
    float r = x - n * LN2_HI;
    r = r - n * LN2_LO;
    float p = ((((P0 * r + P1) * r + P2) * r + P3) * r + P4) * r + P5;
    p = p * (r * r) + r + 1.0f;
    union { float f; int i; } bits = { t }, s;
    s.i = (bits.i - 0x4B400000 + 127) << 23;
    return p * s.f;
}

// ---- exp(x − shift) and Σ --------------------------------------------------------------

__attribute__((target("avx512f")))
static float exp_shifted_avx512(const float *src, float *dst, long n, float shift) {
    __m512 c = _mm512_set1_ps(shift), s = _mm512_setzero_ps();
    long i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 e = exp16(_mm512_sub_ps(_mm512_loadu_ps(src + i), c));
        if (dst) _mm512_storeu_ps(dst + i, e);
        s = _mm512_add_ps(s, e);
    }
    if (i < n) {
        __mmask16 m = (__mmask16)((1u << (n - i)) - 1);
        __m512 e = _mm512_maskz_mov_ps(m, exp16(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, src + i), c)));
        if (dst) _mm512_mask_storeu_ps(dst + i, m, e);
        s = _mm512_add_ps(s, e);
    }
    return _mm512_reduce_add_ps(s);
}

__attribute__((target("avx2,fma")))
static float exp_shifted_avx2(const float *src, float *dst, long n, float shift) {
    __m256 c = _mm256_set1_ps(shift), s = _mm256_setzero_ps();
    long i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(src + i), c));
        if (dst) _mm256_storeu_ps(dst + i, e);
        s = _mm256_add_ps(s, e);
    }
    if (i < n) {
        float buf[8] = {0};
        int rest = (int)(n - i);
        memcpy(buf, src + i, rest * sizeof(float));
        _mm256_storeu_ps(buf, exp8(_mm256_sub_ps(_mm256_loadu_ps(buf), c)));
        for (int j = rest; j < 8; j++) buf[j] = 0.0f;
        if (dst) memcpy(dst + i, buf, rest * sizeof(float));
        s = _mm256_add_ps(s, _mm256_loadu_ps(buf));
    }
    __m128 h = _mm_add_ps(_mm256_castps256_ps128(s), _mm256_extractf128_ps(s, 1));
    h = _mm_add_ps(h, _mm_movehl_ps(h, h));
    return _mm_cvtss_f32(_mm_add_ss(h, _mm_movehdup_ps(h)));
}

static float exp_shifted_portable(const float *src, float *dst, long n, float shift) {
    float s = 0.0f;
    for (long i = 0; i < n; i++) {
        float e = exp1(src[i] - shift);
        if (dst) dst[i] = e;
        s += e;
    }
    return s;
}

float ck_exp_shifted(int level, const float *src, float *dst, long n, float shift) {
    if (level >= 2) return exp_shifted_avx512(src, dst, n, shift);
    if (level == 1) return exp_shifted_avx2(src, dst, n, shift);
    return exp_shifted_portable(src, dst, n, shift);
}

// ---- SwiGLU's gate ---------------------------------------------------------------------

static void swiglu_portable(float *gate, const float *up, long n) {
    for (long i = 0; i < n; i++) gate[i] = gate[i] / (1.0f + exp1(-gate[i])) * up[i];
}

__attribute__((target("avx512f")))
static void swiglu_avx512(float *gate, const float *up, long n) {
    __m512 one = _mm512_set1_ps(1.0f);
    for (long i = 0; i < n; i += 16) {
        __mmask16 m = n - i >= 16 ? 0xFFFF : (__mmask16)((1u << (n - i)) - 1);
        __m512 g = _mm512_maskz_loadu_ps(m, gate + i);
        __m512 silu = _mm512_div_ps(g, _mm512_add_ps(one, exp16(_mm512_sub_ps(_mm512_setzero_ps(), g))));
        _mm512_mask_storeu_ps(gate + i, m, _mm512_mul_ps(silu, _mm512_maskz_loadu_ps(m, up + i)));
    }
}

__attribute__((target("avx2,fma")))
static void swiglu_avx2(float *gate, const float *up, long n) {
    __m256 one = _mm256_set1_ps(1.0f);
    long i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 g = _mm256_loadu_ps(gate + i);
        __m256 silu = _mm256_div_ps(g, _mm256_add_ps(one, exp8(_mm256_sub_ps(_mm256_setzero_ps(), g))));
        _mm256_storeu_ps(gate + i, _mm256_mul_ps(silu, _mm256_loadu_ps(up + i)));
    }
    swiglu_portable(gate + i, up + i, n - i);
}

void ck_swiglu(int level, float *gate, const float *up, long n) {
    if (level >= 2) swiglu_avx512(gate, up, n);
    else if (level == 1) swiglu_avx2(gate, up, n);
    else swiglu_portable(gate, up, n);
}

// ---- softmax rows ----------------------------------------------------------------------

__attribute__((target("avx512f")))
static float row_max_avx512(const float *p, long n) {
    __m512 m = _mm512_set1_ps(-INFINITY);
    long i = 0;
    for (; i + 16 <= n; i += 16) m = _mm512_max_ps(m, _mm512_loadu_ps(p + i));
    if (i < n) m = _mm512_mask_max_ps(m, (__mmask16)((1u << (n - i)) - 1), m, _mm512_maskz_loadu_ps((__mmask16)((1u << (n - i)) - 1), p + i));
    return _mm512_reduce_max_ps(m);
}

static float row_max_portable(const float *p, long n) {
    float m = -INFINITY;
    for (long i = 0; i < n; i++) m = p[i] > m ? p[i] : m;
    return m;
}

void ck_softmax_row(int level, float *row, long visible, long total) {
    float m = level >= 2 ? row_max_avx512(row, visible) : row_max_portable(row, visible);
    if (m == -INFINITY) {
        // Nothing visible (or every visible score is −∞): no attention at all.
        memset(row, 0, total * sizeof(float));
        return;
    }
    float inv = 1.0f / ck_exp_shifted(level, row, row, visible, m);
    for (long j = 0; j < visible; j++) row[j] *= inv;
    if (total > visible) memset(row + visible, 0, (total - visible) * sizeof(float));
}

// ---- GELU (tanh approximation) ---------------------------------------------------------

// tanh(u) = sign(u)·(1 − 2/(e^{2|u|} + 1)), so large |u| saturate at ±1 without overflow.
__attribute__((target("avx512f")))
static inline __m512 gelu_tanh16(__m512 x) {
    __m512 u = _mm512_mul_ps(_mm512_set1_ps(GELU_C),
                             _mm512_fmadd_ps(_mm512_mul_ps(_mm512_set1_ps(GELU_A), x), _mm512_mul_ps(x, x), x));
    __m512i sign = _mm512_and_si512(_mm512_castps_si512(u), _mm512_set1_epi32((int)0x80000000));
    __m512 a = _mm512_castsi512_ps(_mm512_andnot_si512(_mm512_set1_epi32((int)0x80000000), _mm512_castps_si512(u)));
    __m512 e = exp16(_mm512_add_ps(a, a));
    __m512 t = _mm512_sub_ps(_mm512_set1_ps(1.0f), _mm512_div_ps(_mm512_set1_ps(2.0f), _mm512_add_ps(e, _mm512_set1_ps(1.0f))));
    return _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(t), sign));
}

__attribute__((target("avx2,fma")))
static inline __m256 gelu_tanh8(__m256 x) {
    __m256 u = _mm256_mul_ps(_mm256_set1_ps(GELU_C),
                             _mm256_fmadd_ps(_mm256_mul_ps(_mm256_set1_ps(GELU_A), x), _mm256_mul_ps(x, x), x));
    __m256 signbit = _mm256_set1_ps(-0.0f);
    __m256 a = _mm256_andnot_ps(signbit, u);
    __m256 e = exp8(_mm256_add_ps(a, a));
    __m256 t = _mm256_sub_ps(_mm256_set1_ps(1.0f), _mm256_div_ps(_mm256_set1_ps(2.0f), _mm256_add_ps(e, _mm256_set1_ps(1.0f))));
    return _mm256_or_ps(t, _mm256_and_ps(u, signbit));
}

static inline float gelu_tanh1(float x) {
    float u = GELU_C * (x + GELU_A * x * x * x);
    float t = 1.0f - 2.0f / (exp1(2.0f * fabsf(u)) + 1.0f);
    return u < 0 ? -t : t;
}

// One vector of y (forward) or dx (backward): `g` is NULL for the forward.
__attribute__((target("avx512f")))
static inline __m512 gelu_lanes16(__m512 x, const float *g, long i, __mmask16 m) {
    __m512 t = gelu_tanh16(x), half = _mm512_set1_ps(0.5f), one = _mm512_set1_ps(1.0f);
    if (!g) return _mm512_mul_ps(_mm512_mul_ps(half, x), _mm512_add_ps(one, t));
    __m512 du = _mm512_mul_ps(_mm512_set1_ps(GELU_C), _mm512_fmadd_ps(_mm512_set1_ps(3.0f * GELU_A), _mm512_mul_ps(x, x), one));
    __m512 dy = _mm512_fmadd_ps(_mm512_mul_ps(_mm512_mul_ps(half, x), _mm512_fnmadd_ps(t, t, one)), du,
                                _mm512_mul_ps(half, _mm512_add_ps(one, t)));
    return _mm512_mul_ps(_mm512_maskz_loadu_ps(m, g + i), dy);
}

__attribute__((target("avx512f")))
static void gelu_avx512(const float *x, const float *g, float *y, long n) {
    long i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, gelu_lanes16(_mm512_loadu_ps(x + i), g, i, 0xFFFF));
    if (i < n) {
        __mmask16 m = (__mmask16)((1u << (n - i)) - 1);
        _mm512_mask_storeu_ps(y + i, m, gelu_lanes16(_mm512_maskz_loadu_ps(m, x + i), g, i, m));
    }
}

__attribute__((target("avx2,fma")))
static inline __m256 gelu_lanes8(__m256 x, __m256 gv, int backward) {
    __m256 t = gelu_tanh8(x), half = _mm256_set1_ps(0.5f), one = _mm256_set1_ps(1.0f);
    if (!backward) return _mm256_mul_ps(_mm256_mul_ps(half, x), _mm256_add_ps(one, t));
    __m256 du = _mm256_mul_ps(_mm256_set1_ps(GELU_C), _mm256_fmadd_ps(_mm256_set1_ps(3.0f * GELU_A), _mm256_mul_ps(x, x), one));
    __m256 dy = _mm256_fmadd_ps(_mm256_mul_ps(_mm256_mul_ps(half, x), _mm256_fnmadd_ps(t, t, one)), du,
                                _mm256_mul_ps(half, _mm256_add_ps(one, t)));
    return _mm256_mul_ps(gv, dy);
}

__attribute__((target("avx2,fma")))
static void gelu_avx2(const float *x, const float *g, float *y, long n) {
    long i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, gelu_lanes8(_mm256_loadu_ps(x + i), g ? _mm256_loadu_ps(g + i) : _mm256_setzero_ps(), g != 0));
    if (i < n) {
        float xb[8] = {0}, gb[8] = {0};
        int rest = (int)(n - i);
        memcpy(xb, x + i, rest * sizeof(float));
        if (g) memcpy(gb, g + i, rest * sizeof(float));
        _mm256_storeu_ps(xb, gelu_lanes8(_mm256_loadu_ps(xb), _mm256_loadu_ps(gb), g != 0));
        memcpy(y + i, xb, rest * sizeof(float));
    }
}

static void gelu_portable(const float *x, const float *g, float *y, long n) {
    for (long i = 0; i < n; i++) {
        float v = x[i], t = gelu_tanh1(v);
        if (!g) { y[i] = 0.5f * v * (1.0f + t); continue; }
        float du = GELU_C * (1.0f + 3.0f * GELU_A * v * v);
        y[i] = g[i] * (0.5f * (1.0f + t) + 0.5f * v * (1.0f - t * t) * du);
    }
}

void ck_gelu(int level, const float *x, const float *g, float *y, long n) {
    if (level >= 2) gelu_avx512(x, g, y, n);
    else if (level == 1) gelu_avx2(x, g, y, n);
    else gelu_portable(x, g, y, n);
}
