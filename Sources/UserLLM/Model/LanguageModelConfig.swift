import NN

/// The shape of the Llama-style decoder (DESIGN §4); saved with a run as JSON.
public struct LanguageModelConfig: Codable, Equatable, Sendable {
    /// Tokenizer vocabulary; the output head is tied to the token embedding.
    public var vocabSize: Int
    public var dModel: Int
    public var layers: Int
    public var heads: Int
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
    /// USER-LLM's xattn fusion: a GatedCrossAttention after self-attention in every layer.
    public var crossAttention: Bool = false
    /// Std of the Normal init of the embedding and weight matrices. 0.02: GPT-2 / nanoGPT;
    /// residual projections get 0.02/√(2·layers).
    public var initStd: Float = 0.02

    public init(vocabSize: Int, dModel: Int, layers: Int, heads: Int, mlpHidden: Int, contextLength: Int,
                ropeBase: Float = 10000, normEps: Float = 1e-5, crossAttention: Bool = false, initStd: Float = 0.02) {
        self.vocabSize = vocabSize
        self.dModel = dModel
        self.layers = layers
        self.heads = heads
        self.mlpHidden = mlpHidden
        self.contextLength = contextLength
        self.ropeBase = ropeBase
        self.normEps = normEps
        self.crossAttention = crossAttention
        self.initStd = initStd
    }

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

    /// The per-layer block configuration.
    public var block: TransformerBlockConfig {
        TransformerBlockConfig(style: .llama, dModel: dModel, heads: heads, mlpHidden: mlpHidden, bias: false,
                               normEps: normEps, ropeBase: ropeBase, crossAttention: crossAttention,
                               contextDim: dModel, initStd: initStd)
    }
}
