import Foundation
import Timelines

/// A run's data side, loaded once: the dataset, its examples, feature vocabularies (the
/// run's saved ones when present, so IDs stay stable), encoder features and tokenizer.
public final class RunContext {
    public let run: RunDirectory
    /// As given, with `backboneSHA256` filled in from the file when the run is new.
    public private(set) var config: RunConfig
    /// The pretrained LLM of a `Preset.backbone` run (its tokenizer is the run's).
    public let backbone: Backbone?
    public let dataset: Dataset
    public let builder: ExampleBuilder
    public let vocabularies: FeatureVocabularies
    public let features: EventFeatures
    /// nil until the tokenizer stage has run.
    public private(set) var tokenizer: BPETokenizer?

    /// `dataset`: an already loaded dataset (tests, the explorer); otherwise it is loaded
    /// from the config's name and data dir.
    /// `backbone`: the preset's backbone, already opened (the cost workbench makes one
    /// context per history length); checked against the run's recorded sha256 like a file
    /// opened here.
    public init(run: RunDirectory, config: RunConfig, dataset: Dataset? = nil, backbone opened: Backbone? = nil) throws {
        self.run = run
        self.config = config
        let ds = try dataset ?? Dataset.load(named: config.dataset, dataDir: config.dataDir.map { URL(fileURLWithPath: $0) })
        self.dataset = ds
        builder = ExampleBuilder(dataset: ds, config: ExampleConfig(windowLength: config.preset.windowLength, seed: config.preset.seed))
        let vocabFile = run.vocabularyURL.appendingPathComponent("vocab-item.json")
        if FileManager.default.fileExists(atPath: vocabFile.path) {
            vocabularies = try FeatureVocabularies.load(from: run.vocabularyURL, domain: ds.domain)
        } else {
            vocabularies = FeatureVocabularies(dataset: ds)
        }
        features = EventFeatures(dataset: ds, vocabularies: vocabularies)
        if let name = config.preset.backbone {
            let b = try opened.map { try $0.checked(name: name, expectedSHA256: config.backboneSHA256) }
                ?? Backbone(name: name, llm: config.preset.llm, expectedSHA256: config.backboneSHA256)
            self.config.backboneSHA256 = b.sha256
            backbone = b
            tokenizer = b.tokenizer.tokenizer
        } else {
            backbone = nil
        }
        if backbone == nil, FileManager.default.fileExists(atPath: run.tokenizerURL.path) {
            let loaded = try BPETokenizer.load(from: run.tokenizerURL)
            try RunConfigValidation.validate(tokenizer: loaded, file: run.tokenizerURL.path, llm: config.preset.llm)
            tokenizer = loaded
        }
    }

    /// Opens an existing run (for evaluation, generation, the explorer).
    public static func open(_ url: URL, dataset: Dataset? = nil) throws -> RunContext {
        let run = RunDirectory(url)
        guard let config = try run.readConfig() else { throw RunError.badRun("\(run.configURL.path) does not exist") }
        return try RunContext(run: run, config: config, dataset: dataset)
    }

    func setTokenizer(_ t: BPETokenizer) { tokenizer = t }

    /// The tasks this run trains that the dataset can pose.
    public var tasks: [TaskKind] {
        config.tasks.compactMap(TaskKind.init(rawValue:)).filter(builder.supports)
    }

    public func promptBuilder(mode: FusionMode) throws -> PromptBuilder {
        guard let tokenizer else { throw RunError.badRun("\(run.tokenizerURL.path) does not exist: train the run first") }
        return PromptBuilder(tokenizer: tokenizer, builder: builder, mode: mode,
                             maxAnswerTokens: config.preset.maxAnswerTokens, maxTokens: config.preset.llm.contextLength,
                             chat: backbone?.chat)
    }

    /// Whether `choice`'s LLM weights are read from a file whenever it is built (so its
    /// checkpoint holds only what trains): a backbone run, or zero-shot TP.
    public func llmFromFile(_ choice: ModelChoice) -> Bool {
        backbone != nil || choice.strategy == .zeroShot
    }

    /// `choice`'s model before finetuning: the LLM from the backbone file (its
    /// cross-attention layers, which the file lacks, keep their zero-gate init) or from the
    /// LM stage's checkpoint, and the encoder from its pretraining (unless the ablation
    /// starts it at random). With `training` false these are read only where the model's
    /// checkpoint does not hold them (`llmFromFile`).
    public func startingModel(_ choice: ModelChoice, training: Bool) throws -> UserLLMModel {
        let model = UserLLMModel(config: choice.modelConfig(config.preset), vocabularies: vocabularies, seed: config.preset.seed)
        let needed = training || llmFromFile(choice)
        func checkpoint(_ stage: String) throws -> SafetensorsFile {
            let url = run.checkpointURL(stage)
            guard FileManager.default.fileExists(atPath: url.path) else { throw RunError.badRun("\(url.path) is missing: train the run first") }
            return try Safetensors.read(url)
        }
        if let backbone {
            try backbone.loadWeights(into: model.languageModel)
        } else if needed {
            try checkpoint("lm").load(into: model.languageModel.parameters(), strict: false)
        }
        if let encoder = model.encoder, !choice.randomEncoder, needed {
            try checkpoint("encoder").withPrefix("encoder.").load(into: encoder.parameters(), strict: false)
        }
        return model
    }

    /// Under a strategy that does not train the LLM, a backbone's weights go back to the
    /// file's quantised blocks: training and decoding read those, and the model holds no f32
    /// copy of them (call after `apply`, so LoRA adapters wrap the layers first).
    func keepFrozenBackboneQuantized(_ model: UserLLMModel, _ choice: ModelChoice) throws {
        guard let backbone, !choice.strategy.trainsLLM else { return }
        model.languageModel.keepQuantized(try backbone.quantizedMatrices(layers: config.preset.llm.layers))
    }

    /// A finetuned model of this run, ready for inference (no dropout, weights loaded).
    public func loadModel(_ choice: ModelChoice) throws -> TrainedModel {
        let stage = choice.name
        let url = run.checkpointURL(stage)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw RunError.badRun("\(url.path) does not exist: train \(stage) first")
        }
        // Read and check the file before the model is allocated: a file that is not a
        // checkpoint costs nothing.
        let file = try Safetensors.read(url)
        let model = try startingModel(choice, training: false)
        model.apply(choice.strategy, lora: config.preset.lora, seed: config.preset.seed)
        let saved = model.checkpointParameters(llmFromFile: llmFromFile(choice))
        try file.load(into: saved, strict: true)
        try RunConfigValidation.validateFinite(saved, file: url.path)
        try keepFrozenBackboneQuantized(model, choice)
        return TrainedModel(choice: choice, model: model, prompts: try promptBuilder(mode: choice.mode), context: self)
    }
}

import NN
