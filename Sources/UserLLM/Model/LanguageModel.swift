import NN
import Tensor

/// The decoder-only LLM (DESIGN §4): Llama-style, with USER-LLM's two ways in for user
/// embeddings — a soft prompt (`prefix`) and gated cross-attention (`user`).
///
/// Forward, tokens (B, T), optional prefix (B, P, d), optional user embeddings U (B, M, d):
///
///   x = concat([prefix, tok_emb(tokens)], axis: 1)                      (B, P + T, d)
///   for each block i (positions 0..<P+T, causal):
///     h = x + attn(attn_norm(x))            RMSNorm(eps) → wq/wk/wv → RoPE(base, style) on q, k;
///                                            kvHeads key/value heads (grouped-query attention)
///                                            → softmax(q·kᵀ/√Dh, causal)·v → wo
///     h = h + tanh(gate)·xattn.attn(xattn.norm(h), U)     only with crossAttention; keys
///                                            and values are wk(U), wv(U); U's padding masked
///     x = h + mlp(mlp_norm(h))              SwiGLU: w2(silu(w1·h) ⊙ w3·h)
///   h = norm(x)                                                          RMSNorm(eps)
///   logits = h[:, P:, :] · tok_emb.weightᵀ                               (B, T, V), tied
///
/// No biases anywhere. Init: embedding and matrices Normal(0, 0.02²); attn.wo, mlp.w2 and
/// xattn.attn.wo Normal(0, (0.02/√(2·layers))²); norms 1; gates 0.
/// Parameter names: "tok_emb.weight", "blocks.{i}.attn_norm.weight",
/// "blocks.{i}.attn.{wq,wk,wv,wo}.weight", "blocks.{i}.xattn.norm.weight",
/// "blocks.{i}.xattn.attn.{wq,wk,wv,wo}.weight", "blocks.{i}.xattn.gate" (shape (1)),
/// "blocks.{i}.mlp_norm.weight", "blocks.{i}.mlp.{w1,w2,w3}.weight", "norm.weight".
public final class LanguageModel: Module {
    public let config: LanguageModelConfig
    public let tokenEmbedding: Embedding
    public let blocks: [TransformerBlock]
    public let norm: RMSNorm

    public init(config: LanguageModelConfig, generator: inout SeededGenerator) {
        if let problem = config.problem { preconditionFailure(problem) }
        self.config = config
        tokenEmbedding = Embedding(config.vocabSize, config.dModel, std: config.initStd, generator: &generator)
        var built: [TransformerBlock] = []
        for i in 0..<config.layers {
            built.append(TransformerBlock(config: config.block(layer: i), layerCount: config.layers, generator: &generator))
        }
        blocks = built
        norm = RMSNorm(config.dModel, eps: config.normEps)
    }

    public convenience init(config: LanguageModelConfig, seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        self.init(config: config, generator: &generator)
    }

    /// Training / scoring forward: `tokens` (B·T ids, row-major (B, T)) → logits (B, T, V)
    /// at the token positions. `prefix` (B, P, d): soft-prompt embeddings placed before the
    /// tokens; `prefixLengths`: real prefix rows per batch entry (rows past it are padding,
    /// never attended; positions still count them). `user` (B, M, d) with `userLengths`
    /// (real rows per batch entry): the cross-attention context, required exactly when the
    /// model has cross-attention.
    public func callAsFunction(tokens: [Int32], batch: Int, prefix: Tensor? = nil, prefixLengths: [Int]? = nil,
                               user: Tensor? = nil, userLengths: [Int]? = nil) -> Tensor {
        logits(hiddenStates(tokens: tokens, batch: batch, prefix: prefix, prefixLengths: prefixLengths,
                            user: user, userLengths: userLengths))
    }

    /// The final-normed hidden states at the token positions, (B, T, d).
    public func hiddenStates(tokens: [Int32], batch: Int, prefix: Tensor? = nil, prefixLengths: [Int]? = nil,
                             user: Tensor? = nil, userLengths: [Int]? = nil) -> Tensor {
        let contexts = user.map { userContexts($0, lengths: userLengths) }
        return run(tokens: tokens, batch: batch, prefix: prefix, prefixLengths: prefixLengths,
                   contexts: contexts, state: nil)
    }

    /// Tied output head: (…, d) → (…, V).
    public func logits(_ hidden: Tensor) -> Tensor {
        tokenEmbedding.quantizedWeight.map { Tensor.matmul(hidden, quantized: $0) }
            ?? Tensor.matmul(hidden, tokenEmbedding.weight, transposeB: true)
    }

    /// A pretrained backbone's frozen weights go back to the file's quantised blocks (by
    /// parameter name, e.g. "blocks.3.mlp.w1.weight", "tok_emb.weight"): training, the full
    /// forward and decoding all read the blocks, and the f32 copies are dropped — no f32
    /// weight, no gradient, no optimiser state for what does not train. Names not given stay
    /// f32 (norms; the cross-attention layers the file has no weights for). Returns how many
    /// matrices were switched.
    @discardableResult
    public func keepQuantized(_ matrices: [String: QuantizedMatrix]) -> Int {
        var switched = 0
        if let q = matrices["tok_emb.weight"] { tokenEmbedding.keepQuantized(q); switched += 1 }
        for (name, layer) in blockMatrices {
            if let q = matrices[name] { layer.keepQuantized(q); switched += 1 }
        }
        return switched
    }

    /// Packs every block projection (cross-attention's too) and the tied head as they are
    /// now for tile products (`TileMatrix`; nil unpacks): prefill and decoding then run on
    /// the tile unit, to ~1e-5 of f32 with `.bf16x3`. For a model that only answers from now
    /// on — training moves the f32 weights, not the packed copies. LoRA layers stay as they
    /// are (decoding merges their adapters). Returns the matrices packed: 0 where the CPU has
    /// no tile unit.
    @discardableResult
    public func packForInference(_ precision: TileMatrix.Precision?) -> Int {
        var packed = tokenEmbedding.packForInference(precision) ? 1 : 0
        for layer in projections where !(layer is LoRALinear) {
            if layer.packForInference(precision) { packed += 1 }
        }
        return packed
    }

    /// Bytes of the packed copies (`packForInference`).
    public var packedBytes: Int {
        ([tokenEmbedding.packedWeight] + projections.map(\.packedWeight)).compactMap { $0?.byteCount }.reduce(0, +)
    }

    /// Every block's projections: the backbone's and cross-attention's.
    private var projections: [Linear] {
        blockMatrices.map(\.layer) + blocks.compactMap(\.xattn).flatMap { [$0.attn.wq, $0.attn.wk, $0.attn.wv, $0.attn.wo] }
    }

    /// The matrices held as quantised blocks (`keepQuantized`): weights the model has but
    /// `parameters()` does not list.
    public var quantizedWeights: [QuantizedMatrix] {
        ([tokenEmbedding.quantizedWeight] + blockMatrices.map(\.layer.quantizedWeight)).compactMap { $0 }
    }

    /// Each block's self-attention and MLP projections by parameter name (the matrices a
    /// backbone file holds; cross-attention's are ours).
    private var blockMatrices: [(name: String, layer: Linear)] {
        blocks.enumerated().flatMap { i, block -> [(name: String, layer: Linear)] in
            let attn = block.attn
            var out = [("wq", attn.wq), ("wk", attn.wk), ("wv", attn.wv), ("wo", attn.wo)].map { ("blocks.\(i).attn.\($0).weight", $1) }
            if let mlp = block.mlp as? SwiGLUMLP {
                out += [("w1", mlp.w1), ("w2", mlp.w2), ("w3", mlp.w3)].map { ("blocks.\(i).mlp.\($0).weight", $1) }
            }
            return out
        }
    }

    /// Each layer's cross-attention keys and values for U (B, M, d) (nil for a layer without
    /// cross-attention): computed once per sequence and reused by every decoding step.
    public func userContexts(_ user: Tensor, lengths: [Int]? = nil) -> [CrossAttentionContext?] {
        precondition(config.crossAttention, "user embeddings given to a model without cross-attention")
        return blocks.map { $0.xattn?.context(user, keyLengths: lengths) }
    }

    /// What incremental decoding keeps between steps: one KV cache per layer (allocated once)
    /// and the user's cross-attention keys and values.
    public final class DecodeState {
        public let batch: Int
        public let caches: [KVCache]
        public private(set) var contexts: [CrossAttentionContext?]?
        /// Positions filled so far (prefix included).
        public var length: Int { caches.first?.length ?? 0 }
        /// The prefix given at the first step: its size and real rows per batch entry.
        var prefixSize = 0
        var prefixLengths: [Int]?

        init(batch: Int, caches: [KVCache], contexts: [CrossAttentionContext?]?) {
            self.batch = batch
            self.caches = caches
            self.contexts = contexts
        }

        /// Beam search: batch row i continues from old row `sources[i]` (caches, prefix
        /// padding and user contexts all follow).
        public func reorder(_ sources: [Int]) {
            precondition(sources.count == batch, "reorder wants \(batch) indices, got \(sources.count)")
            for cache in caches { cache.reorder(sources) }
            prefixLengths = prefixLengths.map { lengths in sources.map { lengths[$0] } }
            contexts = contexts?.map { c in
                c.map { c in CrossAttentionContext(keys: Self.gatherRows(c.keys, sources), values: Self.gatherRows(c.values, sources),
                                      keyLengths: c.keyLengths.map { lengths in sources.map { lengths[$0] } }) }
            }
        }

        /// Rows of axis 0 picked by `sources`.
        private static func gatherRows(_ t: Tensor, _ sources: [Int]) -> Tensor {
            let row = t.count / max(1, t.shape[0])
            let out = Tensor.empty([sources.count] + t.shape.dropFirst())
            for (i, s) in sources.enumerated() { (out.pointer + i * row).update(from: t.pointer + s * row, count: row) }
            return out
        }
    }

    /// Starts decoding `batch` sequences of at most `capacity` positions (default the
    /// context length). With cross-attention, pass U (B, M, d) and its lengths.
    public func makeDecodeState(batch: Int, capacity: Int? = nil, user: Tensor? = nil,
                                userLengths: [Int]? = nil) -> DecodeState {
        let headDim = config.dModel / config.heads
        let caches = blocks.map { _ in
            KVCache(batch: batch, heads: config.kvHeads, headDim: headDim, capacity: capacity ?? config.contextLength)
        }
        let contexts = Autograd.noGrad { user.map { userContexts($0, lengths: userLengths) } }
        precondition(!config.crossAttention || contexts != nil, "a model with cross-attention needs user embeddings")
        return DecodeState(batch: batch, caches: caches, contexts: contexts)
    }

    /// Feeds new tokens (B·Tn ids, row-major) — and on the first call an optional prefix
    /// (B, P, d) with its `prefixLengths` — through the model, appending to the caches;
    /// returns the logits of the new token positions (B, Tn, V). Runs without a tape.
    /// Equals the matching rows of the full forward.
    public func decode(tokens: [Int32], prefix: Tensor? = nil, prefixLengths: [Int]? = nil,
                       state: DecodeState) -> Tensor {
        Autograd.noGrad {
            logits(run(tokens: tokens, batch: state.batch, prefix: prefix, prefixLengths: prefixLengths,
                       contexts: state.contexts, state: state))
        }
    }

    private func run(tokens: [Int32], batch: Int, prefix: Tensor?, prefixLengths: [Int]?,
                     contexts: [CrossAttentionContext?]?, state: DecodeState?) -> Tensor {
        precondition(batch > 0 && tokens.count % batch == 0, "\(tokens.count) tokens do not split into \(batch) rows")
        precondition(!config.crossAttention || contexts != nil, "a model with cross-attention needs user embeddings")
        precondition(prefixLengths == nil || prefix != nil, "prefixLengths without a prefix")
        let t = tokens.count / batch
        let start = state?.length ?? 0
        if let state, let prefix {
            precondition(start == 0, "a prefix can only open a sequence (decode step at position \(start))")
            state.prefixSize = prefix.shape[1]
            state.prefixLengths = prefixLengths
        }
        // Padded prefix rows are hidden from every query: (B, Tk) over all keys so far.
        let prefixSize = state?.prefixSize ?? prefix?.shape[1] ?? 0
        let keyMask = (state?.prefixLengths ?? prefixLengths).map { lengths -> [Bool] in
            let total = start + (prefix?.shape[1] ?? 0) + t
            return (0..<batch).flatMap { b in (0..<total).map { j in j >= prefixSize || j < lengths[b] } }
        }
        var x = tokenEmbedding(tokens, shape: [batch, t])  // (B, T, d)
        let p = prefix?.shape[1] ?? 0
        if let prefix {
            precondition(prefix.rank == 3 && prefix.shape[0] == batch && prefix.shape[2] == config.dModel,
                         "prefix must be (\(batch), P, \(config.dModel)), got \(prefix.shape)")
            x = Tensor.concat([prefix, x], axis: 1)  // (B, P + T, d)
        }
        for (i, block) in blocks.enumerated() {
            x = block(x, causal: true, keyMask: keyMask, cache: state?.caches[i], context: contexts?[i] ?? nil)
        }
        let h = norm(x)
        return p == 0 ? h : h.sliced(axis: 1, range: p..<(p + t))  // (B, T, d)
    }

    /// Wraps every self-attention ("wq" … "wo") and SwiGLU MLP ("w1" … "w3") projection named
    /// in `targets` in a LoRA adapter (the `lora` strategy: freeze the model first, then add
    /// adapters — they train).
    public func addLoRA(rank: Int, alpha: Float, targets: Set<String> = ["wq", "wv"],
                        generator: inout SeededGenerator) {
        for block in blocks {
            block.attn.addLoRA(rank: rank, alpha: alpha, targets: targets, generator: &generator)
            let mlpTargets = targets.intersection(["w1", "w2", "w3"])
            guard !mlpTargets.isEmpty else { continue }
            guard let mlp = block.mlp as? SwiGLUMLP else {
                preconditionFailure("LoRA on the MLP needs Llama-style (SwiGLU) blocks")
            }
            mlp.addLoRA(rank: rank, alpha: alpha, targets: mlpTargets, generator: &generator)
        }
    }

    /// tanh(α) of each layer's cross-attention gate (empty without cross-attention).
    public var gateValues: [Float] { blocks.compactMap { $0.xattn?.gateValue } }

    /// Keeps the attention probabilities of the next calls (`lastWeights` on each block's
    /// attention modules) for the explorer's heatmaps.
    public var keepsAttentionWeights: Bool {
        get { blocks.first?.attn.keepWeights ?? false }
        set {
            for block in blocks {
                block.attn.keepWeights = newValue
                block.xattn?.attn.keepWeights = newValue
            }
        }
    }

    public func parameters() -> [(String, Tensor)] {
        var params = tokenEmbedding.parameters(prefix: "tok_emb")
        for (i, block) in blocks.enumerated() { params += block.parameters(prefix: "blocks.\(i)") }
        return params + norm.parameters(prefix: "norm")
    }
}
