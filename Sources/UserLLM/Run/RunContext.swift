import Foundation
import Timelines

/// A run's data side, loaded once: the dataset, its examples, feature vocabularies (the
/// run's saved ones when present, so IDs stay stable), encoder features and tokenizer.
public final class RunContext {
    public let run: RunDirectory
    public let config: RunConfig
    public let dataset: Dataset
    public let builder: ExampleBuilder
    public let vocabularies: FeatureVocabularies
    public let features: EventFeatures
    /// nil until the tokenizer stage has run.
    public private(set) var tokenizer: BPETokenizer?

    /// `dataset`: an already loaded dataset (tests, the explorer); otherwise it is loaded
    /// from the config's name and data dir.
    public init(run: RunDirectory, config: RunConfig, dataset: Dataset? = nil) throws {
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
        if FileManager.default.fileExists(atPath: run.tokenizerURL.path) {
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
                             maxAnswerTokens: config.preset.maxAnswerTokens, maxTokens: config.preset.llm.contextLength)
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
        let model = UserLLMModel(config: choice.modelConfig(config.preset), vocabularies: vocabularies, seed: config.preset.seed)
        model.apply(choice.strategy, lora: config.preset.lora, seed: config.preset.seed)
        try file.load(into: model.parameters(), strict: true)
        try RunConfigValidation.validateFinite(model.parameters(), file: url.path)
        return TrainedModel(choice: choice, model: model, prompts: try promptBuilder(mode: choice.mode), context: self)
    }
}

import NN
