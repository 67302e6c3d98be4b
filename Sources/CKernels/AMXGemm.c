// Few-row products on the AMX tile unit (Sapphire Rapids and later), weights packed once.
//
// TDPBF16PS multiplies a (16 × 32) bf16 tile of activations by a (32 × 16) bf16 tile of a
// weight and adds into a (16 × 16) f32 tile: 8,192 multiply-adds per instruction, about
// 16 times the AVX-512 FMA rate. bf16 keeps 8 bits of mantissa, so one product alone
// differs from f32 by ~2⁻⁹ relative. Split each value into a bf16 head and a bf16 tail
// (x = xh + xl, to ~2⁻¹⁷) and three products xh·wh + xh·wl + xl·wh recover f32's result
// to ~1e-5 relative (the dropped xl·wl is ~2⁻¹⁸): "bf16x3". `terms` = 1 keeps the heads
// only: faster, bf16-accurate.
//
// Packing: W (n, k) f32 row-major becomes, per 16-row block of W and 32-column chunk of k,
// one 1 KB tile (two with terms 3: head, tail) in the VNNI order TDPBF16PS reads — tile
// row p holds, for each of the 16 W rows j, the pair W[j][2p], W[j][2p + 1]. Needs
// n % 16 == 0 and k % 32 == 0.
#include "CKernels.h"
#include <immintrin.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

#define ARCH_REQ_XCOMP_PERM 0x1023
#define XFEATURE_XTILEDATA 18
#define TILE_ELEMENTS 512  // bf16 values in one 16 × 64-byte tile

typedef struct {
    uint8_t palette, start_row, reserved[14];
    uint16_t columns_bytes[16];
    uint8_t rows[16];
} tile_config;

static uint16_t bf16_round(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    if ((u & 0x7FFFFFFF) > 0x7F800000) return (uint16_t)((u >> 16) | 0x40);  // NaN stays NaN
    u += 0x7FFF + ((u >> 16) & 1);  // to nearest, ties to even
    return (uint16_t)(u >> 16);
}

static float bf16_value(uint16_t h) {
    uint32_t u = (uint32_t)h << 16;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

int ck_amx_available(void) {
    static int state = -1;  // decided once: the permission is the whole process's
    if (state >= 0) return state;
    unsigned a, b, c, d;
    __asm__("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(7), "c"(0));
    int tiles = (d >> 24) & 1, bf16_tiles = (d >> 22) & 1, avx512f = (b >> 16) & 1;
    __asm__("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(7), "c"(1));
    int avx512_bf16 = (a >> 5) & 1;
    // Linux hands out the tile registers' 8 KB of state only on request (5.16 and later).
    state = tiles && bf16_tiles && avx512f && avx512_bf16 &&
            syscall(SYS_arch_prctl, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) == 0;
    return state;
}

// Where tile (block b, chunk c) of W starts (its head; the tail follows with terms 3). Four
// blocks make a group and a group's tiles run chunk by chunk — (chunk, block, head/tail) —
// so the kernel, which sums four blocks at once, reads one sequential stream.
static long tile_offset(int b, int c, int n, int chunks, int parts) {
    int group = b / 4, in_group = n / 16 - group * 4 < 4 ? n / 16 - group * 4 : 4;
    return ((long)group * 4 * chunks + (long)c * in_group + b % 4) * parts * TILE_ELEMENTS;
}

void ck_amx_pack(const float *w, int n, int k, int terms, int g0, int g1, uint16_t *packed) {
    int chunks = k / 32, parts = terms == 3 ? 2 : 1, blocks = n / 16;
    for (int block = g0 * 4; block < blocks && block < g1 * 4; block++)
        for (int c = 0; c < chunks; c++) {
            uint16_t *head = packed + tile_offset(block, c, n, chunks, parts), *tail = head + TILE_ELEMENTS;
            for (int p = 0; p < 16; p++)
                for (int j = 0; j < 16; j++)
                    for (int s = 0; s < 2; s++) {
                        float v = w[(long)(block * 16 + j) * k + c * 32 + 2 * p + s];
                        uint16_t h = bf16_round(v);
                        head[p * 32 + j * 2 + s] = h;
                        if (terms == 3) tail[p * 32 + j * 2 + s] = bf16_round(v - bf16_value(h));
                    }
        }
}

__attribute__((target("avx512f,avx512bf16,avx512vl")))
void ck_amx_split(const float *x, long count, int terms, uint16_t *head, uint16_t *tail) {
    long i = 0;
    for (; i + 16 <= count; i += 16) {
        __m512 v = _mm512_loadu_ps(x + i);
        __m256i h = (__m256i)_mm512_cvtneps_pbh(v);
        _mm256_storeu_si256((__m256i *)(head + i), h);
        if (terms == 3) {
            __m512 back = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
            _mm256_storeu_si256((__m256i *)(tail + i), (__m256i)_mm512_cvtneps_pbh(_mm512_sub_ps(v, back)));
        }
    }
    for (; i < count; i++) {
        head[i] = bf16_round(x[i]);
        if (terms == 3) tail[i] = bf16_round(x[i] - bf16_value(head[i]));
    }
}

// Tiles 0–3: the f32 sums of up to four W blocks; 4, 5: the activations' heads and tails;
// 6, 7: a W tile's head and tail. Loading a configuration zeroes every tile.
__attribute__((target("amx-tile")))
static void configure(int rows) {
    tile_config c;
    memset(&c, 0, sizeof c);
    c.palette = 1;
    for (int t = 0; t < 8; t++) {
        c.rows[t] = t < 6 ? (uint8_t)rows : 16;
        c.columns_bytes[t] = 64;
    }
    _tile_loadconfig(&c);
}

#define SUMS(b, expr) switch (b) { case 0: expr(0); break; case 1: expr(1); break; case 2: expr(2); break; default: expr(3); }

__attribute__((target("amx-tile,amx-bf16")))
void ck_amx_gemm_nt(int terms, int m, int n, int g0, int g1, int k, const uint16_t *xh, const uint16_t *xl,
                    const uint16_t *w, float *y, long ldy, int accumulate) {
    int chunks = k / 32, parts = terms == 3 ? 2 : 1, b1 = n / 16 < g1 * 4 ? n / 16 : g1 * 4;
    long x_stride = (long)k * 2, y_stride = ldy * 4;
    // Four W blocks at a time (four independent sums hide the instruction's latency); for
    // each, every 16-row tile of activations, whose W tiles are then still in L2.
    for (int g = g0 * 4; g < b1; g += 4) {
        int blocks = b1 - g < 4 ? b1 - g : 4;
        for (int i = 0; i < m; i += 16) {
            int rows = m - i < 16 ? m - i : 16;
            configure(rows);
            float *out = y + (long)i * ldy + (long)g * 16;
            const uint16_t *ah = xh + (long)i * k, *al = xl ? xl + (long)i * k : 0;
            if (accumulate) {
#define LOAD(t) _tile_loadd(t, out + 16 * t, y_stride)
                for (int b = 0; b < blocks; b++) SUMS(b, LOAD)
            }
            for (int c = 0; c < chunks; c++) {
                // The first row tile brings the group's weights in: two chunks ahead, every
                // line of their tiles (a chunk's tiles are adjacent), into L2 for the rest.
                if (i == 0 && c + 2 < chunks) {
                    const char *ahead = (const char *)(w + tile_offset(g, c + 2, n, chunks, parts));
                    for (long line = 0; line < (long)blocks * parts * TILE_ELEMENTS * 2; line += 64)
                        _mm_prefetch(ahead + line, _MM_HINT_T1);
                }
                _tile_loadd(4, ah + c * 32, x_stride);
                if (terms == 3) _tile_loadd(5, al + c * 32, x_stride);
                for (int b = 0; b < blocks; b++) {
                    const uint16_t *tile = w + tile_offset(g + b, c, n, chunks, parts);
                    _tile_loadd(6, tile, 64);
#define HEADS(t) _tile_dpbf16ps(t, 4, 6)
                    SUMS(b, HEADS)
                    if (terms == 3) {
                        _tile_loadd(7, tile + TILE_ELEMENTS, 64);
#define TAILS(t) _tile_dpbf16ps(t, 4, 7); _tile_dpbf16ps(t, 5, 6)
                        SUMS(b, TAILS)
                    }
                }
            }
#define STORE(t) _tile_stored(t, out + 16 * t, y_stride)
            for (int b = 0; b < blocks; b++) SUMS(b, STORE)
        }
    }
    _tile_release();
}
