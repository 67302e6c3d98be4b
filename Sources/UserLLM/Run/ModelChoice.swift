/// Which model a finetuning stage trains: fusion mode, Perceiver, strategy.
public struct ModelChoice: Codable, Equatable, Hashable, Sendable {
    public var mode: FusionMode
    public var perceiver: Bool
    public var strategy: TrainingStrategy

    public init(mode: FusionMode, perceiver: Bool = false, strategy: TrainingStrategy = .full) {
        self.mode = mode
        self.perceiver = perceiver && mode.usesEncoder
        self.strategy = strategy
    }

    /// "xattn+perceiver-full": the checkpoint's and the results row's name.
    public var name: String { "\(mode.rawValue)\(perceiver ? "+perceiver" : "")-\(strategy.rawValue)" }

    /// The model's shape under `preset`.
    public func modelConfig(_ preset: Preset) -> UserLLMModelConfig {
        var encoder = preset.encoder
        encoder.maxEvents = max(encoder.maxEvents, preset.windowLength)
        return UserLLMModelConfig(mode: mode, perceiver: perceiver, llm: preset.llm, encoder: encoder,
                                  perceiverLatents: preset.perceiver.latents, perceiverLayers: preset.perceiver.layers,
                                  perceiverHeads: preset.perceiver.heads)
    }
}
