import NN
import Tensor

/// Analytic FLOPs of the model's forward passes, by the conventions of `FLOPCount`:
/// matrix products and attention exactly, element-wise work approximately at these costs
/// per element (a softmax is max, subtract, exp, sum and divide; a norm is square, sum,
/// scale, weight; the rest by the same counting):
public enum FLOPs {
    public static let softmaxPerScore = 5
    public static let rmsNormPerElement = 4
    public static let layerNormPerElement = 7
    public static let ropePerElement = 3
    public static let siluPerElement = 4
    public static let geluPerElement = 8

    /// x (rows, in) · Wᵀ (+ b): 2·rows·in·out, + rows·out with a bias.
    public static func linear(rows: Int, in inFeatures: Int, out outFeatures: Int, bias: Bool = false) -> FLOPCount {
        FLOPCount(matmul: 2 * rows * inFeatures * outFeatures, approximate: bias ? rows * outFeatures : 0)
    }

    /// softmax(q·kᵀ/√Dh)·v for `batch` × `heads` pairs of (queries, Dh) × (keys, Dh):
    /// QKᵀ and PV 2·Dh per computed (query, key) score each (the scale rides in the sgemm),
    /// the softmax approximate over the visible scores. `causal`: the queries are the last
    /// `queries` of `keys` positions and each sees only the keys up to itself; the kernel
    /// works in blocks of 64 query rows, each scoring every key its last row sees, so the
    /// products count those blocks (`Tensor.attentionScoresComputed`), masked scores inside
    /// a block included — the work done, not the triangle. (One query, as in decoding, sees
    /// all its keys: the same either way.)
    public static func attention(batch: Int, heads: Int, queries: Int, keys: Int, headDim: Int,
                                 causal: Bool = false) -> FLOPCount {
        let pairs = batch * heads
        let computed = Tensor.attentionScoresComputed(queries: queries, keys: keys, causal: causal)
        let visible = causal ? visibleCausalScores(queries: queries, keys: keys) : queries * keys
        return FLOPCount(attention: pairs * 2 * 2 * computed * headDim,
                         approximate: pairs * visible * softmaxPerScore)
    }

    /// (query, key) pairs a causal mask leaves: query i of Tq (after Tk − Tq earlier
    /// positions) sees Tk − Tq + i + 1 keys, so Tq·(Tk − Tq) + Tq·(Tq + 1)/2 in all.
    public static func visibleCausalScores(queries: Int, keys: Int) -> Int {
        (0..<queries).reduce(0) { $0 + max(0, min(keys, keys - queries + $1 + 1)) }
    }

    /// One pre-norm block over `batch` × `newTokens` rows attending causally to `pastTokens`
    /// cached keys plus themselves; with cross-attention, to `contextRows` context rows whose keys
    /// and values are already projected (`crossAttentionContext` counts that, once per user).
    public static func transformerBlock(_ c: TransformerBlockConfig, batch: Int, newTokens: Int, pastTokens: Int = 0,
                                        contextRows: Int = 0) -> FLOPCount {
        let d = c.dModel, rows = batch * newTokens, llama = c.style == .llama
        let norm = llama ? rmsNormPerElement : layerNormPerElement
        var f = FLOPCount(approximate: rows * d * norm)                                   // attn_norm
        // Grouped-query attention: wk and wv are (kvDim, d), kvDim = kvHeads · head dim.
        let kvDim = (c.kvHeads ?? c.heads) * (d / c.heads)
        f += linear(rows: rows, in: d, out: d, bias: c.bias) * 2                          // wq wo
        f += linear(rows: rows, in: d, out: kvDim, bias: c.bias) * 2                      // wk wv
        if llama { f.approximate += rows * (d + kvDim) * ropePerElement }                 // RoPE on q, k
        f += attention(batch: batch, heads: c.heads, queries: newTokens, keys: pastTokens + newTokens,
                       headDim: d / c.heads, causal: true)
        f.approximate += rows * d                                                          // residual
        if c.crossAttention {
            f.approximate += rows * d * rmsNormPerElement                                 // xattn.norm
            f += linear(rows: rows, in: d, out: d) * 2                                    // wq wo
            f += attention(batch: batch, heads: c.heads, queries: newTokens, keys: contextRows, headDim: d / c.heads)
            f.approximate += 2 * rows * d                                                  // tanh(α)·…, residual
        }
        f.approximate += rows * d * norm                                                  // mlp_norm
        if llama {
            f += linear(rows: rows, in: d, out: c.mlpHidden) * 2                          // w1 w3
            f.approximate += rows * c.mlpHidden * (siluPerElement + 1)                    // silu, ⊙
            f += linear(rows: rows, in: c.mlpHidden, out: d)                              // w2
        } else {
            f += linear(rows: rows, in: d, out: c.mlpHidden, bias: c.bias)                // fc
            f.approximate += rows * c.mlpHidden * geluPerElement
            f += linear(rows: rows, in: c.mlpHidden, out: d, bias: c.bias)                // proj
        }
        f.approximate += rows * d                                                          // residual
        return f
    }

    /// The LanguageModel on `batch` rows of `newTokens` positions (prefix rows included)
    /// after `pastTokens` cached ones, cross-attending to `userRows` rows; the final norm and
    /// the tied head run on `logitsRows` rows in all (the whole forward: batch·tokens;
    /// `IncrementalDecoder`'s prefill: the last position only).
    public static func languageModel(_ c: LanguageModelConfig, batch: Int, newTokens: Int, pastTokens: Int = 0,
                                     userRows: Int = 0, logitsRows: Int) -> FLOPCount {
        var plain = c.block
        plain.crossAttention = false
        var f = transformerBlock(plain, batch: batch, newTokens: newTokens, pastTokens: pastTokens) * (c.layers - c.crossAttentionLayers)
        if c.crossAttentionLayers > 0 {
            f += transformerBlock(c.block, batch: batch, newTokens: newTokens, pastTokens: pastTokens,
                                  contextRows: userRows) * c.crossAttentionLayers
        }
        f.approximate += logitsRows * c.dModel * rmsNormPerElement
        f += linear(rows: logitsRows, in: c.dModel, out: c.vocabSize)
        return f
    }

    /// Every layer's cross-attention keys and values of `userRows` rows of width
    /// `contextDim` (dModel unless given): once per user, shared by all steps and beams.
    public static func crossAttentionContext(_ c: LanguageModelConfig, batch: Int = 1, userRows: Int,
                                             contextDim: Int? = nil) -> FLOPCount {
        guard c.crossAttention else { return .zero }
        return linear(rows: batch * userRows, in: contextDim ?? c.dModel, out: c.dModel) * (2 * c.crossAttentionLayers)
    }

    /// A PerceiverResampler of `latents` latents over `inputs` rows of width `dim`, once
    /// per history: per layer both LayerNorms, q from the latents, k and v from
    /// latents ⊕ inputs, attention (L queries, L + M keys), wo, the GELU MLP, residuals;
    /// then the final LayerNorm. No biases (as built).
    public static func perceiver(dim: Int, latents: Int, layers: Int, heads: Int, ffHidden: Int? = nil,
                                 batch: Int = 1, inputs: Int) -> FLOPCount {
        let (l, m, ff) = (batch * latents, batch * inputs, ffHidden ?? 4 * dim)
        var layer = FLOPCount(approximate: (l + m) * dim * layerNormPerElement)
        layer += linear(rows: l, in: dim, out: dim) * 2                                   // wq, wo
        layer += linear(rows: l + m, in: dim, out: dim) * 2                               // wk, wv
        layer += attention(batch: batch, heads: heads, queries: latents, keys: latents + inputs, headDim: dim / heads)
        layer.approximate += l * dim * (2 + layerNormPerElement)                          // residuals, mlp_norm
        layer += linear(rows: l, in: dim, out: ff) + linear(rows: l, in: ff, out: dim)
        layer.approximate += l * ff * geluPerElement
        var f = layer * layers
        f.approximate += l * dim * layerNormPerElement
        return f
    }

    /// A stack of `layers` encoder-style (or llama) blocks over `batch` × `events` rows,
    /// causal, with a final norm: the user encoder's transformer.
    public static func transformerStack(_ block: TransformerBlockConfig, layers: Int, batch: Int = 1,
                                        events: Int) -> FLOPCount {
        var f = transformerBlock(block, batch: batch, newTokens: events) * layers
        let norm = block.style == .llama ? rmsNormPerElement : layerNormPerElement
        f.approximate += batch * events * block.dModel * norm
        return f
    }
}
