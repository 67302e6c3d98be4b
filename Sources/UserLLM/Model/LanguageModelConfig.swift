import NN
import Tensor

/// The shape of the Llama-style decoder (DESIGN §4); saved with a run as JSON.
public struct LanguageModelConfig: Codable, Equatable, Sendable {
    /// Tokenizer vocabulary; the output head is tied to the token embedding.
    public var vocabSize: Int
    public var dModel: Int
    public var layers: Int
    public var heads: Int
    /// Key/value heads of self-attention; `heads` unless grouped-query attention (SmolLM2:
    /// 9 heads, 3 KV heads). Divides `heads`. Run JSON from before it existed decodes to `heads`.
    public var kvHeads: Int
    /// SwiGLU width: 3·d, near Llama's 8/3·d and a multiple of 64, so the three SwiGLU
    /// matrices cost about what a 4·d GELU MLP's two would.
    public var mlpHidden: Int
    /// Longest sequence (prefix + tokens) the model is trained on and the default KV-cache
    /// capacity. RoPE itself has no hard limit.
    public var contextLength: Int
    /// RoPE base. 10000: RoFormer / Llama.
    public var ropeBase: Float = 10000
    /// RMSNorm eps. 1e-5: Llama-2's rms_norm_eps.
    public var normEps: Float = 1e-5
    /// RoPE pairing: `.half` for the models we train (and older run JSON); GGUF llama weights
    /// need `.interleaved` (see `RotaryStyle`).
    public var ropeStyle: RotaryStyle = .half
    /// USER-LLM's xattn fusion: a GatedCrossAttention after self-attention in every
    /// `crossAttentionEvery`-th layer.
    public var crossAttention: Bool = false
    /// Cross-attention in layers 0, k, 2k, … (Flamingo's "every k-th layer"). 1: every layer,
    /// what the small models use (4 layers, so each is cheap). A 30-layer pretrained model
    /// pays ~1.3M parameters and a d×d query/output product per token for each one: see the
    /// README's measurement of k for SmolLM2. Run JSON from before it existed decodes to 1.
    public var crossAttentionEvery: Int = 1
    /// Std of the Normal init of the embedding and weight matrices. 0.02: GPT-2 / nanoGPT;
    /// residual projections get 0.02/√(2·layers).
    public var initStd: Float = 0.02

    public init(vocabSize: Int, dModel: Int, layers: Int, heads: Int, kvHeads: Int? = nil, mlpHidden: Int,
                contextLength: Int, ropeBase: Float = 10000, normEps: Float = 1e-5, ropeStyle: RotaryStyle = .half,
                crossAttention: Bool = false, crossAttentionEvery: Int = 1, initStd: Float = 0.02) {
        self.vocabSize = vocabSize
        self.dModel = dModel
        self.layers = layers
        self.heads = heads
        self.kvHeads = kvHeads ?? heads
        self.ropeStyle = ropeStyle
        self.mlpHidden = mlpHidden
        self.contextLength = contextLength
        self.ropeBase = ropeBase
        self.normEps = normEps
        self.crossAttention = crossAttention
        self.crossAttentionEvery = crossAttentionEvery
        self.initStd = initStd
        if let problem = problem { preconditionFailure(problem) }
    }

    private enum CodingKeys: String, CodingKey {
        case vocabSize, dModel, layers, heads, kvHeads, mlpHidden, contextLength, ropeBase, normEps, ropeStyle
        case crossAttention, crossAttentionEvery, initStd
    }

    /// Keys added later (kvHeads, ropeStyle) default as the models before them had it.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        vocabSize = try c.decode(Int.self, forKey: .vocabSize)
        dModel = try c.decode(Int.self, forKey: .dModel)
        layers = try c.decode(Int.self, forKey: .layers)
        heads = try c.decode(Int.self, forKey: .heads)
        kvHeads = try c.decodeIfPresent(Int.self, forKey: .kvHeads) ?? heads
        mlpHidden = try c.decode(Int.self, forKey: .mlpHidden)
        contextLength = try c.decode(Int.self, forKey: .contextLength)
        ropeBase = try c.decode(Float.self, forKey: .ropeBase)
        normEps = try c.decode(Float.self, forKey: .normEps)
        ropeStyle = try c.decodeIfPresent(RotaryStyle.self, forKey: .ropeStyle) ?? .half
        crossAttention = try c.decode(Bool.self, forKey: .crossAttention)
        crossAttentionEvery = try c.decodeIfPresent(Int.self, forKey: .crossAttentionEvery) ?? 1
        initStd = try c.decode(Float.self, forKey: .initStd)
        // Shapes are checked by RunConfigValidation after decoding, which names the file and key.
    }

    /// Why this shape cannot be built, or nil.
    public var problem: String? {
        if vocabSize <= 0 || dModel <= 0 || layers <= 0 || heads <= 0 || kvHeads <= 0 || mlpHidden <= 0 || contextLength <= 0 {
            return "language model sizes must be positive (vocab \(vocabSize), d \(dModel), layers \(layers), "
                + "heads \(heads), kvHeads \(kvHeads), mlp \(mlpHidden), context \(contextLength))"
        }
        if dModel % heads != 0 { return "dModel \(dModel) is not a multiple of heads \(heads)" }
        if heads % kvHeads != 0 { return "heads \(heads) is not a multiple of kvHeads \(kvHeads)" }
        if crossAttentionEvery < 1 { return "crossAttentionEvery must be at least 1, is \(crossAttentionEvery)" }
        return nil
    }

    /// Width of the self-attention keys and values: kvHeads · head dim.
    public var kvDim: Int { kvHeads * (dModel / heads) }

    /// Tests: trains in seconds.
    public static let tiny = LanguageModelConfig(vocabSize: 512, dModel: 64, layers: 2, heads: 2, mlpHidden: 192,
                                                 contextLength: 256)
    /// The default demo (DESIGN §4).
    public static let small = LanguageModelConfig(vocabSize: 4096, dModel: 256, layers: 4, heads: 4, mlpHidden: 768,
                                                  contextLength: 1024)
    /// Long runs (DESIGN §4).
    public static let base = LanguageModelConfig(vocabSize: 8192, dModel: 512, layers: 8, heads: 8, mlpHidden: 1536,
                                                 contextLength: 2048)

    /// The same model with or without cross-attention layers.
    public func withCrossAttention(_ on: Bool = true) -> LanguageModelConfig {
        var c = self
        c.crossAttention = on
        return c
    }

    /// Whether layer `i` has gated cross-attention.
    public func hasCrossAttention(layer i: Int) -> Bool {
        crossAttention && i % crossAttentionEvery == 0
    }

    /// How many layers have cross-attention.
    public var crossAttentionLayers: Int {
        crossAttention ? (layers + crossAttentionEvery - 1) / crossAttentionEvery : 0
    }

    /// The configuration of block `i` (cross-attention or not).
    public func block(layer i: Int) -> TransformerBlockConfig {
        var b = block
        b.crossAttention = hasCrossAttention(layer: i)
        return b
    }

    /// The block configuration shared by all layers (with cross-attention when the model has
    /// any; `block(layer:)` says per layer).
    public var block: TransformerBlockConfig {
        TransformerBlockConfig(style: .llama, dModel: dModel, heads: heads, kvHeads: kvHeads, mlpHidden: mlpHidden,
                               bias: false, normEps: normEps, ropeBase: ropeBase, ropeStyle: ropeStyle,
                               crossAttention: crossAttention,
                               contextDim: dModel, initStd: initStd)
    }
}
