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

/// dst[i] = exp(src[i] − shift) for i < n, returning Σ dst (dst may equal src, or be NULL
/// to only sum). Cephes' expf polynomial: within ~2 ulp of expf on [−87.3, 88.4]; below
/// that 0, NaN stays NaN. `level` as for ck_gemm_small_rows_nt.
float ck_exp_shifted(int level, const float *src, float *dst, long n, float shift);

/// SwiGLU's gate in place: gate[i] = silu(gate[i]) · up[i], silu(x) = x / (1 + exp(−x))
/// with the same exp as ck_exp_shifted. `level` as for ck_gemm_small_rows_nt.
void ck_swiglu(int level, float *gate, const float *up, long n);

/// One attention row in place: row[0..<visible) becomes its softmax, row[visible..<total)
/// zero. A row whose visible scores are all −∞ (or visible == 0) becomes all zero.
void ck_softmax_row(int level, float *row, long visible, long total);

/// GELU, tanh approximation, over n floats: y = gelu(x) when g is NULL, else the
/// gradient y = g · gelu'(x). y may equal x or g.
void ck_gelu(int level, const float *x, const float *g, float *y, long n);

/// GGML block types, numbered as in GGUF's tensor table.
enum { CK_Q4_0 = 2, CK_Q4_1 = 3, CK_Q8_0 = 8 };

/// Bytes of one 32-element block of `type` (34, 18, 20), 0 for any other type.
long ck_quant_block_bytes(int type);

/// y(m, n) = x(m, k) · Wᵀ for W (n, k) stored as GGML blocks, row j at w + j·row_bytes
/// (k a multiple of 32). Only W's rows [n0, n1) are computed, so callers can split the
/// output columns over threads. x stays f32: the result equals the product with the
/// dequantised W up to the order of the sums. `level` as for ck_gemm_small_rows_nt.
void ck_quant_gemm_nt(int level, int type, int m, int n0, int n1, int k, const float *x, long ldx,
                      const void *w, long row_bytes, float *y, long ldy);

/// W's rows [n0, n1) dequantised to f32: row j to out + (j − n0)·ldo (k a multiple of 32).
void ck_quant_dequantize_rows(int level, int type, int n0, int n1, int k, const void *w, long row_bytes,
                              float *out, long ldo);

/// Work over items [lo, hi) of a task, with the caller's arguments in `context`.
typedef void (*ck_range_work)(void *context, long lo, long hi);

/// Holds the spinning team (SpinTeam.c) with `threads` − 1 workers polling for work until
/// `ck_team_release`; starts them on first use. Returns the workers held: 0 when `threads`
/// ≤ 1 or another thread holds the team (then run serially).
int ck_team_acquire(int threads);

/// Puts the workers back to sleep; the holder calls it once per successful acquire.
void ck_team_release(void);

/// Runs work over items [0, count), claimed `grain` at a time by the holder and the team's
/// workers, and returns when all have run. Only the holder may call it.
void ck_team_run(long count, long grain, void *context, ck_range_work work);

/// 1 on a team worker thread, or on the holder while it runs items in `ck_team_run`: a loop
/// nested in team work runs serially (a nested `ck_team_run` would replace the task).
int ck_team_inside(void);

/// 1 when the CPU has AMX tiles with bf16 products and AVX-512 BF16, and Linux granted
/// this process the tile state (asked for once, here); 0 otherwise.
int ck_amx_available(void);

/// W (n, k) row-major f32 packed into AMX tiles (AMXGemm.c): the bf16 rounding of each
/// value, and with terms == 3 also the bf16 rounding of the remainder — n·k·(terms == 3 ?
/// 2 : 1) values in `packed`. Packs W's groups of four 16-row blocks [g0, g1), so callers
/// can split the work. n % 16 == 0, k % 32 == 0.
void ck_amx_pack(const float *w, int n, int k, int terms, int g0, int g1, unsigned short *packed);

/// count activations into bf16 heads (and tails when terms == 3). Needs ck_amx_available().
void ck_amx_split(const float *x, long count, int terms, unsigned short *head, unsigned short *tail);

/// y (m, n) = x · Wᵀ (or y += … with accumulate) for W's groups of four 16-row blocks
/// [g0, g1): x (m, k) as split heads and tails (row-major, k apart), W as ck_amx_pack left
/// it. terms 3 sums xh·wh + xh·wl + xl·wh (f32 to ~1e-5 relative), 1 only xh·wh. Needs
/// ck_amx_available().
void ck_amx_gemm_nt(int terms, int m, int n, int g0, int g1, int k, const unsigned short *xh, const unsigned short *xl,
                    const unsigned short *w, float *y, long ldy, int accumulate);

#endif
