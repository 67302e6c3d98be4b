import NN
import Tensor
import Timelines

/// USER-LLM (DESIGN §4): user encoder → (Perceiver) → projection → LanguageModel.
///
///   U = encoder(window events)                         (B, M, d_enc)
///   U = perceiver(U, lengths)                          (B, L, d_enc)   with the Perceiver
///   E = projection(U)                                  (B, L, d_model)
///   soft:  logits = llm(tokens, prefix: E)             E prepended to the token embeddings
///   xattn: logits = llm(tokens, user: E)               gated cross-attention in every layer
///   tp:    logits = llm(tokens)                        no encoder; the history is in the text
///
/// Parameter names: "llm.…", "encoder.…", "perceiver.…", "projection.…".
public final class UserLLMModel: Module {
    public let config: UserLLMModelConfig
    public let languageModel: LanguageModel
    public let encoder: UserEncoder?
    public let perceiver: PerceiverResampler?
    public let projection: Linear?

    /// `vocabularies` size the encoder's embedding tables (needed unless the mode is tp).
    public init(config: UserLLMModelConfig, vocabularies: FeatureVocabularies?, seed: UInt64) {
        self.config = config
        var generator = SeededGenerator(seed: seed)
        languageModel = LanguageModel(config: config.llm, generator: &generator)
        if config.mode.usesEncoder {
            guard let vocabularies else { preconditionFailure("mode \(config.mode) needs the feature vocabularies") }
            encoder = UserEncoder(config: config.encoder, vocabularies: vocabularies, seed: seed &+ 1)
            let dEnc = config.encoder.dModel
            perceiver = config.perceiver
                ? PerceiverResampler(dim: dEnc, latents: config.perceiverLatents, layers: config.perceiverLayers,
                                     heads: config.perceiverHeads, generator: &generator)
                : nil
            projection = Linear(dEnc, config.llm.dModel, bias: true, generator: &generator)
        } else {
            encoder = nil
            perceiver = nil
            projection = nil
        }
    }

    /// The projected user embeddings of a batch of windows (nil for tp).
    public func userContext(_ events: EventBatch) -> UserContext? {
        guard let encoder, let projection else { return nil }
        var u = encoder(events)  // (B, M, d_enc)
        var lengths: [Int]? = events.lengths
        if let perceiver {
            u = perceiver(u, inputLengths: events.lengths)  // (B, L, d_enc)
            lengths = nil
        }
        return UserContext(mode: config.mode, embeddings: projection(u), lengths: lengths)  // (B, L, d_model)
    }

    /// Final hidden states at the token positions, (B, T, d_model).
    public func hiddenStates(_ batch: TokenBatch, context: UserContext?) -> Tensor {
        languageModel.hiddenStates(tokens: batch.inputs, batch: batch.batch,
                                   prefix: context?.prefix, prefixLengths: context?.prefixLengths,
                                   user: context?.user, userLengths: context?.userLengths)
    }

    /// Mean cross-entropy over the batch's target tokens (answers and <|eos|>). Only those
    /// positions go through the output head: a TP prompt is ~1000 tokens, its answer ~10.
    public func loss(_ batch: TokenBatch, events: EventBatch?) -> Tensor {
        precondition(config.mode == .tp || events != nil, "mode \(config.mode) needs the window events")
        let context = events.flatMap(userContext)
        let h = hiddenStates(batch, context: context)
        let d = config.llm.dModel
        let picked = Tensor.embedding(h.reshaped([batch.batch * batch.length, d]), ids: batch.lossPositions,
                                      shape: [batch.lossPositions.count])  // (N, d)
        return Tensor.crossEntropy(logits: languageModel.logits(picked), targets: batch.lossTargets)
    }

    /// Logits at every token position, (B, T, V) (scoring and tests).
    public func logits(_ batch: TokenBatch, events: EventBatch?) -> Tensor {
        languageModel.logits(hiddenStates(batch, context: events.flatMap(userContext)))
    }

    /// Freezes and adds adapters as `strategy` says (DESIGN §4); call before building the
    /// optimiser. The LLM's cross-attention layers are fusion: they always train.
    public func apply(_ strategy: TrainingStrategy, lora: Preset.LoRA, seed: UInt64) {
        unfreeze()
        if !strategy.trainsLLM {
            for (name, p) in languageModel.parameters() where !name.contains(".xattn.") { p.requiresGrad = false }
        }
        if strategy.addsLoRA {
            var generator = SeededGenerator(seed: seed &+ 7)
            languageModel.addLoRA(rank: lora.rank, alpha: lora.alpha, targets: Set(lora.targets), generator: &generator)
        }
        if !strategy.trainsEncoder { encoder?.freeze() }
    }

    /// What a finetuned checkpoint holds. Every parameter, unless the LLM's starting weights
    /// are read from a file each time (`llmFromFile`: a backbone's GGUF file, or the LM
    /// stage's checkpoint for zero-shot TP): then only what trains, so an `enc` model of
    /// SmolLM2 saves megabytes of encoder and fusion, not a second copy of the LLM.
    public func checkpointParameters(llmFromFile: Bool) -> [(String, Tensor)] {
        llmFromFile ? parameters().filter { $0.1.requiresGrad } : parameters()
    }

    /// Every weight the model computes with: its f32 parameters and the frozen matrices it
    /// keeps as quantised blocks (`LanguageModel.keepQuantized`).
    public var weightCount: Int {
        parameterCount + languageModel.quantizedWeights.reduce(0) { $0 + $1.rows * $1.columns }
    }

    /// Bytes those weights take: 4 per f32 parameter, the quantised blocks as stored.
    public var weightBytes: Int {
        parameterCount * MemoryLayout<Float>.stride + languageModel.quantizedWeights.reduce(0) { $0 + $1.byteCount }
    }

    /// Whether a `parameters()` name is a cross-attention gate (one scalar per LLM layer,
    /// initialised to 0; see `TrainerConfig.gateLearningRateScale`).
    public static func isGateParameter(_ name: String) -> Bool {
        name.hasSuffix(".xattn.gate")
    }

    public func parameters() -> [(String, Tensor)] {
        var params = languageModel.parameters(prefix: "llm")
        if let encoder { params += encoder.parameters(prefix: "encoder") }
        if let perceiver { params += perceiver.parameters(prefix: "perceiver") }
        if let projection { params += projection.parameters(prefix: "projection") }
        return params
    }
}
