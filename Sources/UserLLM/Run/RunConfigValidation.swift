import Foundation
import NN
import Tensor
import Timelines

/// The one check everything read from a file goes through before anything is allocated
/// or run: a preset (built-in or JSON), a run's config.json, its tokenizer against the
/// model, and a checkpoint's tensors against the model. A hostile or careless file then
/// gets a sentence naming the file, the key, the value and the allowed range, instead of
/// a division by zero, a range trap, a hang that eats memory, or NaN answers.
///
/// The bounds are far above every real configuration (the largest preset, `base`, is
/// d 512 × 8 layers) and far below what would take the machine down; memory is estimated
/// from the shapes and refused over `memoryLimitBytes` with the estimate in the message.
public enum RunConfigValidation {
    /// Width bounds: 16,384 is Llama-3-405B's d_model; no CPU model here comes near it.
    public static let maximumWidth = 16_384
    public static let maximumLayers = 256
    /// Longest context / window: 1M tokens or events.
    public static let maximumLength = 1 << 20
    /// Largest vocabulary (the tokenizer's own bound).
    public static var maximumVocabulary: Int { BPETokenizer.maximumVocabularySize }

    /// The most memory a run may ask for: `USERLLM_MAX_MEMORY_GB` when set, else the
    /// machine's physical memory.
    public static var memoryLimitBytes: Double {
        if let text = ProcessInfo.processInfo.environment["USERLLM_MAX_MEMORY_GB"], let gb = Double(text), gb > 0 {
            return gb * 1_073_741_824
        }
        return Double(ProcessInfo.processInfo.physicalMemory)
    }

    // MARK: Presets and run configs

    /// Every field of `preset`; `file` names where it came from in the error.
    public static func validate(_ preset: Preset, file: String) throws {
        var c = Checker(file: file)
        if let backbone = preset.backbone, PretrainedModel.named(backbone) == nil {
            throw c.fail("backbone", Excerpt.quoted(backbone),
                         "a known pretrained model (\(PretrainedModel.known.map(\.name).joined(separator: ", "))) or no key")
        }
        try c.range("windowLength", preset.windowLength, 1...maximumLength)
        try c.range("tokenizerVocabSize", preset.tokenizerVocabSize, (256 + SpecialToken.allCases.count)...maximumVocabulary,
                    why: "256 byte tokens + \(SpecialToken.allCases.count) special tokens at least")
        try validate(preset.llm, at: "llm", checker: &c)
        try c.range("lmBlockLength", preset.lmBlockLength, 2...preset.llm.contextLength, why: "at most llm.contextLength")
        try c.range("tokenizerVocabSize", preset.tokenizerVocabSize, 1...preset.llm.vocabSize, why: "at most llm.vocabSize")
        try c.range("maxAnswerTokens", preset.maxAnswerTokens, 1...preset.llm.contextLength, why: "at most llm.contextLength")
        try validate(preset.encoder, at: "encoder", checker: &c)
        try c.range("perceiver.latents", preset.perceiver.latents, 1...4096)
        try c.range("perceiver.layers", preset.perceiver.layers, 1...maximumLayers)
        try c.divisor("perceiver.heads", preset.perceiver.heads, of: preset.encoder.dModel, "encoder.dModel")
        try c.range("lora.rank", preset.lora.rank, 1...min(preset.llm.dModel, preset.encoder.dModel),
                    why: "at most the smaller model width")
        try c.finite("lora.alpha", preset.lora.alpha, positive: true)
        let allowedTargets = Preset.LoRA.attentionTargets.union(Preset.LoRA.mlpTargets)
        let targets = preset.lora.targets
        guard !targets.isEmpty, Set(targets).count == targets.count, targets.allSatisfy(allowedTargets.contains) else {
            throw c.fail("lora.targets", "\(targets)", "distinct names among \(allowedTargets.sorted().joined(separator: ", "))")
        }
        for (name, stage) in [("lm", preset.stages.lm), ("encoder", preset.stages.encoder),
                              ("finetune", preset.stages.finetune), ("finetuneTP", preset.stages.finetuneTP)] {
            try validate(stage, at: "stages.\(name)", checker: &c)
        }
        try checkMemory(preset, file: file)
    }

    public static func validate(_ config: RunConfig, file: String) throws {
        let c = Checker(file: file)
        guard !config.dataset.isEmpty else { throw c.fail("dataset", "\"\"", "a dataset name") }
        guard !config.tasks.isEmpty else { throw c.fail("tasks", "[]", "one or more of next-item, favorite-genre, review") }
        for (i, t) in config.tasks.enumerated() where TaskKind(rawValue: t) == nil {
            throw c.fail("tasks[\(i)]", Excerpt.quoted(t), TaskKind.allCases.map(\.rawValue).joined(separator: ", "))
        }
        try validate(config.preset, file: file + " (preset)")
    }

    public static func validate(_ llm: LanguageModelConfig, at key: String, checker c: inout Checker) throws {
        try c.range("\(key).vocabSize", llm.vocabSize, 1...maximumVocabulary)
        try c.range("\(key).dModel", llm.dModel, 2...maximumWidth)
        try c.range("\(key).layers", llm.layers, 1...maximumLayers)
        try c.divisor("\(key).heads", llm.heads, of: llm.dModel, "\(key).dModel")
        guard (llm.dModel / llm.heads) % 2 == 0 else {
            throw c.fail("\(key).heads", "\(llm.heads)", "a divisor of dModel \(llm.dModel) leaving an even head size (RoPE rotates pairs)")
        }
        // Grouped-query attention: each key/value head serves heads / kvHeads query heads.
        try c.divisor("\(key).kvHeads", llm.kvHeads, of: llm.heads, "\(key).heads")
        try c.range("\(key).mlpHidden", llm.mlpHidden, 1...(8 * maximumWidth))
        try c.range("\(key).crossAttentionEvery", llm.crossAttentionEvery, 1...llm.layers, why: "at most \(key).layers")
        try c.range("\(key).contextLength", llm.contextLength, 1...maximumLength)
        try c.finite("\(key).ropeBase", llm.ropeBase, positive: true)
        try c.finite("\(key).normEps", llm.normEps, positive: true)
        try c.finite("\(key).initStd", llm.initStd, positive: false)
    }

    public static func validate(_ encoder: EncoderConfig, at key: String, checker c: inout Checker) throws {
        try c.range("\(key).dModel", encoder.dModel, 1...maximumWidth)
        try c.range("\(key).layers", encoder.layers, 0...maximumLayers)
        try c.divisor("\(key).heads", encoder.heads, of: encoder.dModel, "\(key).dModel")
        try c.range("\(key).mlpHidden", encoder.mlpHidden, 1...(8 * maximumWidth))
        try c.range("\(key).maxEvents", encoder.maxEvents, 1...maximumLength)
        try c.range("\(key).itemDim", encoder.itemDim, 1...maximumWidth)
        try c.range("\(key).categoryDim", encoder.categoryDim, 1...maximumWidth)
        try c.range("\(key).ratingDim", encoder.ratingDim, 1...maximumWidth)
        guard encoder.dropout.isFinite, encoder.dropout >= 0, encoder.dropout < 1 else {
            throw c.fail("\(key).dropout", "\(encoder.dropout)", "0 ≤ dropout < 1")
        }
        for (name, p) in [("pretrainingDropout", encoder.pretrainingDropout ?? 0), ("residualDropout", encoder.residualDropout)] {
            guard p.isFinite, p >= 0, p < 1 else { throw c.fail("\(key).\(name)", "\(p)", "0 ≤ \(name) < 1") }
        }
        try c.finite("\(key).auxiliaryLossWeight", encoder.auxiliaryLossWeight, positive: false)
        if let stride = encoder.pretrainingStride { try c.range("\(key).pretrainingStride", stride, 1...maximumLength) }
        if encoder.tiedItemHead, encoder.itemDim != encoder.dModel {
            throw c.fail("\(key).itemDim", "\(encoder.itemDim)",
                         "\(encoder.dModel), \(key).dModel (tiedItemHead scores with the item table)")
        }
        try c.finite("\(key).normEps", encoder.normEps, positive: true)
        try c.finite("\(key).initStd", encoder.initStd, positive: false)
    }

    public static func validate(_ t: TrainerConfig, at key: String, checker c: inout Checker) throws {
        try c.range("\(key).steps", t.steps, 0...100_000_000)
        try c.range("\(key).batchSize", t.batchSize, 1...65_536)
        try c.finite("\(key).learningRate", t.learningRate, positive: false)
        try c.range("\(key).warmupSteps", t.warmupSteps, 0...100_000_000)
        try c.finite("\(key).weightDecay", t.weightDecay, positive: false)
        try c.finite("\(key).gradClip", t.gradClip, positive: false)
        try c.range("\(key).evalEvery", t.evalEvery, 0...100_000_000)
        try c.range("\(key).evalBatches", t.evalBatches, 0...1_000_000)
        try c.range("\(key).patience", t.patience, 0...1_000_000)
        if let g = t.gateLearningRateScale { try c.finite("\(key).gateLearningRateScale", g, positive: true) }
        if let b = t.timeBudgetSeconds, !(b.isFinite && b > 0) {
            throw c.fail("\(key).timeBudgetSeconds", "\(b)", "a finite number of seconds > 0, or no key")
        }
    }

    // MARK: Memory

    /// Bytes a run of `preset` needs at least: the LLM's and encoder's parameters with
    /// their gradients and AdamW moments (4 floats each), plus one sequence's KV cache.
    public static func estimatedBytes(_ preset: Preset) -> Double {
        let l = preset.llm
        let d = Double(l.dModel), layers = Double(l.layers)
        // Per layer: q, k, v, o (4d²), SwiGLU (3·d·mlp), cross-attention (4d² + gate) in xattn.
        let perLayer = 8 * d * d + 3 * d * Double(l.mlpHidden)
        let llmParameters = Double(l.vocabSize) * d + layers * perLayer
        let e = preset.encoder
        let de = Double(e.dModel)
        let encoderParameters = Double(e.layers) * (4 * de * de + 2 * de * Double(e.mlpHidden)) + Double(e.maxEvents) * de
        let kvCache = 2 * layers * Double(l.contextLength) * d
        return 4 * (4 * (llmParameters + encoderParameters) + kvCache)
    }

    /// Bytes a training step keeps for its backward pass, from the shapes: per layer and
    /// position the block's saved activations (about 10·d + 4·mlp floats: the two norms, q, k,
    /// v and their rotations, the attention output, the residual sums, SwiGLU's three products
    /// and their gate); a layer's (B, H, T, T) attention probabilities where attention keeps
    /// them (at most `Tensor.recomputeThresholdBytes` a call, else recomputed). The output head
    /// sees only the answer positions, so logits do not count. T counts soft-prompt rows.
    public static func trainingActivationBytes(_ llm: LanguageModelConfig, batch: Int, positions: Int) -> Double {
        let floats = MemoryLayout<Float>.stride
        let activations = Double(batch * positions) * Double(llm.layers * (10 * llm.dModel + 4 * llm.mlpHidden) * floats)
        let probabilities = Double(batch * llm.heads * floats) * Double(positions) * Double(positions)
        let kept = probabilities > Double(Tensor.recomputeThresholdBytes) ? 0 : probabilities * Double(llm.layers)
        return activations + kept
    }

    /// `batch` halved until a step's activations fit in half of `limitBytes` (the rest is for
    /// weights, optimiser state and the allocator); nil when one example does not fit.
    public static func batchThatFits(_ llm: LanguageModelConfig, batch: Int, positions: Int, limitBytes: Double) -> Int? {
        var b = max(1, batch)
        while b > 1 && trainingActivationBytes(llm, batch: b, positions: positions) > limitBytes / 2 { b /= 2 }
        return trainingActivationBytes(llm, batch: b, positions: positions) <= limitBytes / 2 ? b : nil
    }

    static func checkMemory(_ preset: Preset, file: String) throws {
        let need = estimatedBytes(preset), limit = memoryLimitBytes
        guard need <= limit else {
            throw ConfigError(file: file, key: "llm", value: "vocab \(preset.llm.vocabSize), d \(preset.llm.dModel), "
                              + "\(preset.llm.layers) layers, mlp \(preset.llm.mlpHidden), context \(preset.llm.contextLength)",
                              allowed: "a model whose parameters, optimiser state and KV cache fit in memory: "
                              + "it needs about \(gib(need)), the limit is \(gib(limit)) (USERLLM_MAX_MEMORY_GB)")
        }
    }

    static func gib(_ bytes: Double) -> String { String(format: "%.1f GiB", bytes / 1_073_741_824) }

    // MARK: Tokenizer and checkpoint against the model

    /// Every id the tokenizer can produce indexes the LLM's embedding: its vocabulary must
    /// fit inside the model's, hold more than the byte tokens, and carry the special tokens
    /// prompts are built from.
    public static func validate(tokenizer: BPETokenizer, file: String, llm: LanguageModelConfig) throws {
        let c = Checker(file: file)
        guard tokenizer.vocabSize > 0 else { throw c.fail("model.vocab", "empty", "a non-empty vocabulary") }
        guard tokenizer.vocabSize <= llm.vocabSize else {
            throw c.fail("model.vocab", "\(tokenizer.vocabSize) ids (0..<\(tokenizer.vocabSize))",
                         "ids below the model's vocabSize \(llm.vocabSize)")
        }
        for special in SpecialToken.allCases {
            guard let id = tokenizer.id(of: special) else {
                throw c.fail("added_tokens", "no \(special.rawValue)", "a special token \(special.rawValue), as userllm's tokenizers have")
            }
            guard id >= 0, Int(id) < llm.vocabSize else {
                throw c.fail("added_tokens[\(special.rawValue)].id", "\(id)", "0..<\(llm.vocabSize) (the model's vocabSize)")
            }
        }
    }

    /// Every weight finite: a NaN or inf in a checkpoint makes every answer's log p NaN.
    public static func validateFinite(_ parameters: [(String, Tensor)], file: String) throws {
        for (name, t) in parameters {
            let p = t.pointer
            for i in 0..<t.count where !p[i].isFinite {
                throw ConfigError(file: file, key: "tensor '\(name)'", value: "\(p[i]) at element \(i)",
                                  allowed: "finite weights (the checkpoint is corrupt or training diverged)")
            }
        }
    }

    // MARK: Checking

    /// Throws the first violation, naming `file` and the key.
    public struct Checker {
        let file: String

        public init(file: String) { self.file = file }

        func fail(_ key: String, _ value: String, _ allowed: String) -> ConfigError {
            ConfigError(file: file, key: key, value: value, allowed: allowed)
        }

        func range(_ key: String, _ value: Int, _ allowed: ClosedRange<Int>, why: String? = nil) throws {
            guard allowed.contains(value) else {
                throw fail(key, "\(value)", "\(allowed.lowerBound)…\(allowed.upperBound)" + (why.map { " (\($0))" } ?? ""))
            }
        }

        func divisor(_ key: String, _ value: Int, of whole: Int, _ wholeKey: String) throws {
            guard value >= 1, value <= whole, whole % value == 0 else {
                throw fail(key, "\(value)", "a divisor of \(wholeKey) \(whole), 1…\(max(whole, 1))")
            }
        }

        func finite(_ key: String, _ value: Float, positive: Bool) throws {
            guard value.isFinite, positive ? value > 0 : value >= 0 else {
                throw fail(key, "\(value)", positive ? "a finite number > 0" : "a finite number ≥ 0")
            }
        }
    }
}

/// A value from a file outside what it may be: the file, the key, the value, what is allowed.
public struct ConfigError: Error, CustomStringConvertible, Equatable {
    public var file: String
    public var key: String
    public var value: String
    public var allowed: String

    public var description: String { "\(file): \(key) = \(value): allowed \(allowed)" }
}
