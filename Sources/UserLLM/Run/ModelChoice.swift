/// Which model a finetuning stage trains: fusion mode, Perceiver, strategy, and whether the
/// encoder starts from its pretraining (the paper's ablation starts it from random weights).
public struct ModelChoice: Codable, Equatable, Hashable, Sendable {
    public var mode: FusionMode
    public var perceiver: Bool
    public var strategy: TrainingStrategy
    /// Ablation: the encoder starts from random weights instead of the pretrained checkpoint.
    public var randomEncoder: Bool

    public init(mode: FusionMode, perceiver: Bool = false, strategy: TrainingStrategy = .full, randomEncoder: Bool = false) {
        self.mode = mode
        self.perceiver = perceiver && mode.usesEncoder
        self.strategy = strategy
        self.randomEncoder = randomEncoder && mode.usesEncoder
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(mode: try c.decode(FusionMode.self, forKey: .mode), perceiver: try c.decode(Bool.self, forKey: .perceiver),
                  strategy: try c.decode(TrainingStrategy.self, forKey: .strategy),
                  randomEncoder: try c.decodeIfPresent(Bool.self, forKey: .randomEncoder) ?? false)
    }

    /// "xattn+perceiver-full" (or "xattn-full-random-encoder"): the checkpoint's and the
    /// results row's name.
    public var name: String {
        "\(mode.rawValue)\(perceiver ? "+perceiver" : "")-\(strategy.rawValue)\(randomEncoder ? "-random-encoder" : "")"
    }

    /// Every valid combination, in the results table's order: by mode, Perceiver, strategy,
    /// the random-encoder ablation after its pretrained twin.
    public static let all: [ModelChoice] = FusionMode.allCases.flatMap { mode in
        (mode.usesEncoder ? [false, true] : [false]).flatMap { perceiver in
            TrainingStrategy.allCases.filter { $0.isValid(for: mode) }.flatMap { strategy in
                (mode.usesEncoder ? [false, true] : [false]).map {
                    ModelChoice(mode: mode, perceiver: perceiver, strategy: strategy, randomEncoder: $0)
                }
            }
        }
    }

    /// The model's shape under `preset`.
    public func modelConfig(_ preset: Preset) -> UserLLMModelConfig {
        var encoder = preset.encoder
        encoder.maxEvents = max(encoder.maxEvents, preset.windowLength)
        return UserLLMModelConfig(mode: mode, perceiver: perceiver, llm: preset.llm, encoder: encoder,
                                  perceiverLatents: preset.perceiver.latents, perceiverLayers: preset.perceiver.layers,
                                  perceiverHeads: preset.perceiver.heads)
    }

    /// Rows the soft prompt puts in front of the tokens: the window's events, or the
    /// Perceiver's latents; none for the other modes.
    public func prefixRows(window: Int, latents: Int) -> Int {
        mode == .soft ? (perceiver ? latents : window) : 0
    }
}
