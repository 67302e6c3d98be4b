import Tensor

/// Multi-head attention: self (optionally causal, with RoPE and a KV cache) or cross (to a
/// context of another width, projected once into a `CrossAttentionContext`).
///
/// Computation, x (B, T, d):
///   q = wq(x), k = wk(x or context), v = wv(x or context)   (no biases unless `bias`)
///   split heads: q (B, T, d) → (B, T, H, Dh) → (B, H, T, Dh); k, v → (B, Hk, T, Dh)
///   with Hk = `kvHeads` (grouped-query attention when Hk < H: wk and wv are (Hk·Dh, ·),
///   and query head h reads key head h / (H / Hk))
///   self-attention with `rotaryBase`: RoPE (`rotaryStyle`) on q and k at positions
///     start..<start+T, start = the cache's length (0 without a cache)
///   o = softmax(q·kᵀ/√Dh, mask)·v  (the fused `Tensor.attention`)
///   merge heads: (B, H, T, Dh) → (B, T, d); out = wo(o)
/// wq…wo are `var` so that LoRA adapters can replace them (`addLoRA`).
public final class MultiHeadAttention: Module {
    public let dModel: Int
    public let heads: Int
    /// Key/value heads: `heads` for multi-head attention, fewer for grouped-query attention.
    public let kvHeads: Int
    public let headDim: Int
    public let contextDim: Int
    /// RoPE base for self-attention (nil: no rotary embedding — positions come from elsewhere).
    public let rotaryBase: Float?
    /// Which features RoPE pairs (see `RotaryStyle`).
    public let rotaryStyle: RotaryStyle
    public var wq: Linear
    public var wk: Linear
    public var wv: Linear
    public var wo: Linear
    /// When true, the last call's attention probabilities (B, H, Tq, Tk) are kept in
    /// `lastWeights` (the explorer's heatmaps).
    public var keepWeights = false
    public private(set) var lastWeights: Tensor?

    /// `contextDim`: width of the context for cross-attention (default dModel).
    /// `outputStd`: init of `wo`, which writes into the residual stream.
    /// `kvHeads`: key/value heads (default `heads`); must divide `heads`.
    public init(dModel: Int, heads: Int, kvHeads: Int? = nil, contextDim: Int? = nil, bias: Bool = false,
                rotaryBase: Float? = nil, rotaryStyle: RotaryStyle = .half,
                std: Float = 0.02, outputStd: Float = 0.02, generator: inout SeededGenerator) {
        precondition(dModel % heads == 0, "dModel \(dModel) is not a multiple of heads \(heads)")
        let kvHeads = kvHeads ?? heads
        precondition(kvHeads > 0 && heads % kvHeads == 0, "heads \(heads) is not a multiple of kvHeads \(kvHeads)")
        self.dModel = dModel
        self.heads = heads
        self.kvHeads = kvHeads
        headDim = dModel / heads
        self.contextDim = contextDim ?? dModel
        self.rotaryBase = rotaryBase
        self.rotaryStyle = rotaryStyle
        let kvDim = kvHeads * headDim
        wq = Linear(dModel, dModel, bias: bias, std: std, generator: &generator)
        wk = Linear(self.contextDim, kvDim, bias: bias, std: std, generator: &generator)
        wv = Linear(self.contextDim, kvDim, bias: bias, std: std, generator: &generator)
        wo = Linear(dModel, dModel, bias: bias, std: outputStd, generator: &generator)
    }

    /// Self-attention of x (B, T, dModel). `keyLengths` marks right padding per batch entry;
    /// `keyMask` (B, Tk), false = padding, marks it anywhere (Tk counts cached keys too).
    /// With a `cache`, x holds the new tokens only: their keys and values are appended and
    /// they attend to everything cached (use under `Autograd.noGrad`).
    public func callAsFunction(_ x: Tensor, causal: Bool, keyLengths: [Int]? = nil, keyMask: [Bool]? = nil,
                               cache: KVCache? = nil) -> Tensor {
        let (b, t) = (x.shape[0], x.shape[1])
        let start = cache?.length ?? 0
        var q = splitHeads(wq(x)), k = splitHeads(wk(x), heads: kvHeads)
        let v = splitHeads(wv(x), heads: kvHeads)
        if let base = rotaryBase {
            let positions = Array(start..<(start + t))
            q = q.rotary(positions: positions, base: base, style: rotaryStyle)
            k = k.rotary(positions: positions, base: base, style: rotaryStyle)
        }
        let mask = AttentionMask(causal: causal, keyLengths: keyLengths, keyMask: keyMask)
        let attended: Tensor
        if let cache {
            precondition(cache.batch == b && cache.heads == kvHeads && cache.headDim == headDim,
                         "KVCache (\(cache.batch), \(cache.heads), _, \(cache.headDim)) does not fit input \(x.shape)")
            cache.append(keys: k, values: v)
            attended = attend(q, cache.keys, cache.values, mask, keyCount: cache.length)
        } else {
            attended = attend(q, k, v, mask, keyCount: nil)
        }
        return wo(mergeHeads(attended))
    }

    /// Projects a context (B, M, contextDim) into keys and values once.
    /// `keyLengths`: per batch entry, the number of real rows (the rest is padding).
    public func context(_ context: Tensor, keyLengths: [Int]? = nil) -> CrossAttentionContext {
        precondition(context.rank == 3 && context.shape[2] == contextDim,
                     "cross-attention context must be (B, M, \(contextDim)), got \(context.shape)")
        return CrossAttentionContext(keys: splitHeads(wk(context), heads: kvHeads), values: splitHeads(wv(context), heads: kvHeads),
                                     keyLengths: keyLengths)
    }

    /// Cross-attention of x (B, T, dModel) to a projected context (no mask but its padding).
    public func callAsFunction(_ x: Tensor, context: CrossAttentionContext) -> Tensor {
        let q = splitHeads(wq(x))
        precondition(context.keys.shape[0] == q.shape[0], "context batch \(context.keys.shape[0]) ≠ input batch \(q.shape[0])")
        return wo(mergeHeads(attend(q, context.keys, context.values,
                                    AttentionMask(keyLengths: context.keyLengths), keyCount: nil)))
    }

    /// Cross-attention of x (B, T, dModel) to a context (B, M, contextDim).
    public func callAsFunction(_ x: Tensor, context: Tensor, keyLengths: [Int]? = nil) -> Tensor {
        callAsFunction(x, context: self.context(context, keyLengths: keyLengths))
    }

    private func attend(_ q: Tensor, _ k: Tensor, _ v: Tensor, _ mask: AttentionMask, keyCount: Int?) -> Tensor {
        let (out, weights) = Tensor.attention(q: q, k: k, v: v, mask: mask, keyCount: keyCount, keepWeights: keepWeights)
        lastWeights = weights
        return out
    }

    /// (B, T, H·Dh) → (B, H, T, Dh), H = `heads` unless given (the key/value heads).
    private func splitHeads(_ x: Tensor, heads: Int? = nil) -> Tensor {
        x.reshaped([x.shape[0], x.shape[1], heads ?? self.heads, headDim]).permuted([0, 2, 1, 3])
    }

    /// (B, H, T, Dh) → (B, T, d)
    private func mergeHeads(_ x: Tensor) -> Tensor {
        x.permuted([0, 2, 1, 3]).reshaped([x.shape[0], x.shape[2], dModel])
    }

    /// Wraps the named projections ("wq", "wk", "wv", "wo") in LoRA adapters; the wrapped
    /// weights are frozen. Projections already wrapped are left alone.
    public func addLoRA(rank: Int, alpha: Float, targets: Set<String> = ["wq", "wv"],
                        generator: inout SeededGenerator) {
        func wrap(_ layer: Linear) -> Linear {
            layer is LoRALinear ? layer : LoRALinear(wrapping: layer, rank: rank, alpha: alpha, generator: &generator)
        }
        if targets.contains("wq") { wq = wrap(wq) }
        if targets.contains("wk") { wk = wrap(wk) }
        if targets.contains("wv") { wv = wrap(wv) }
        if targets.contains("wo") { wo = wrap(wo) }
    }

    public func parameters() -> [(String, Tensor)] {
        wq.parameters(prefix: "wq") + wk.parameters(prefix: "wk") + wv.parameters(prefix: "wv") + wo.parameters(prefix: "wo")
    }
}
