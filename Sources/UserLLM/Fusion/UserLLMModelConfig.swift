/// The shape of a USER-LLM model: fusion mode, the LLM, the encoder and the Perceiver.
public struct UserLLMModelConfig: Codable, Equatable, Sendable {
    public var mode: FusionMode
    /// Compress U to `perceiverLatents` learned latents before the projection.
    public var perceiver: Bool
    /// Cross-attention is switched on here for `xattn`, whatever the preset says.
    public var llm: LanguageModelConfig
    public var encoder: EncoderConfig
    /// 32 latents (paper); tiny 8.
    public var perceiverLatents: Int
    public var perceiverLayers: Int
    public var perceiverHeads: Int

    public init(mode: FusionMode, perceiver: Bool, llm: LanguageModelConfig, encoder: EncoderConfig,
                perceiverLatents: Int, perceiverLayers: Int, perceiverHeads: Int) {
        self.mode = mode
        self.perceiver = perceiver && mode.usesEncoder
        self.llm = llm.withCrossAttention(mode == .xattn)
        self.encoder = encoder
        self.perceiverLatents = perceiverLatents
        self.perceiverLayers = perceiverLayers
        self.perceiverHeads = perceiverHeads
    }

    /// "tp", "soft", "xattn", "xattn+perceiver", …: names checkpoints and result rows.
    public var name: String { mode.rawValue + (perceiver ? "+perceiver" : "") }
}
