import Foundation
import NN
import Tensor
import Timelines

/// What the efficiency benchmarks measure on: a dataset, a tokenizer, one model per
/// variant, and real users with long histories. The same weights serve every history
/// length; only the window (ExampleBuilder.windowLength) and the prompts change.
///
/// Two sources of weights:
/// - a trained run (`init(run:)`): its tokenizer, vocabularies and finetuned checkpoints
///   (`<variant>-full`, else any strategy of that variant);
/// - a preset (`init(preset:dataset:)`): untrained, seeded weights and a tokenizer trained
///   on the dataset's catalogue — a forward pass costs the same whatever the weights.
///
/// Cost measurement, not modelling, so two limits are lifted (and reported):
/// - the TP prompt keeps the whole window, however many tokens (`PromptBuilder.maxTokens`
///   would drop the oldest events to fit the preset's context); the decoder's caches are
///   sized per prompt and RoPE has no length limit, so a longer prompt simply runs;
/// - the encoder's learned positions are extended to the longest window (a run's trained
///   rows are tiled into the new ones).
public final class CostWorkbench {
    public let preset: Preset
    public let dataset: Dataset
    public let tokenizer: BPETokenizer
    /// The longest window benchmarked: the encoders' position tables hold this many rows.
    public let maxEvents: Int
    /// "untrained preset small" or "run /path".
    public let weightsSource: String
    /// Variants whose weights came from the run (the others, if any, are untrained).
    public private(set) var trainedVariants: Set<String> = []
    private let run: RunDirectory
    private let runConfig: RunConfig
    private let trainedRun: Bool
    private var models: [String: UserLLMModel] = [:]
    private var contexts: [Int: RunContext] = [:]
    /// The backbone file, opened (and hashed) once for every history length's context.
    private let backbone: Backbone?

    /// Untrained weights of `preset` on `dataset`, for windows up to `maxEvents` events; with
    /// a backbone, its real LLM weights and tokenizer (the fusion layers untrained).
    public init(preset: Preset, dataset: Dataset, maxEvents: Int, tokenizer: BPETokenizer? = nil) throws {
        self.preset = preset
        self.dataset = dataset
        self.maxEvents = maxEvents
        if let name = preset.backbone {
            let backbone = try Backbone(name: name, llm: preset.llm, expectedSHA256: nil)
            self.backbone = backbone
            self.tokenizer = backbone.tokenizer.tokenizer
            weightsSource = "\(name) (\(backbone.file.url.lastPathComponent)), fusion untrained"
        } else {
            backbone = nil
            self.tokenizer = tokenizer ?? Self.trainTokenizer(dataset, vocabSize: preset.tokenizerVocabSize)
            weightsSource = "untrained preset \(preset.name)"
        }
        run = RunDirectory(FileManager.default.temporaryDirectory.appendingPathComponent("userllm-cost-\(UUID().uuidString)"))
        runConfig = RunConfig(dataset: dataset.name, dataDir: dataset.directory, preset: preset, tasks: [TaskKind.nextItem.rawValue])
        trainedRun = false
    }

    /// A trained run's weights, tokenizer and vocabularies (its dataset unless given).
    public init(run url: URL, dataset: Dataset? = nil, maxEvents: Int) throws {
        let context = try RunContext.open(url, dataset: dataset)
        backbone = context.backbone
        guard let tokenizer = context.tokenizer else { throw RunError.badRun("\(context.run.tokenizerURL.path) does not exist") }
        preset = context.config.preset
        self.dataset = context.dataset
        self.tokenizer = tokenizer
        self.maxEvents = maxEvents
        weightsSource = "run \(url.path)"
        run = context.run
        runConfig = context.config
        trainedRun = true
    }

    /// The tokenizer a run's first stage would train (catalogue sentences, training reviews).
    public static func trainTokenizer(_ dataset: Dataset, vocabSize: Int) -> BPETokenizer {
        let builder = ExampleBuilder(dataset: dataset)
        var training: [Event] = []
        for u in 0..<Int32(builder.timelines.count) {
            for e in builder.timelines[u].events.prefix(builder.split.trainingCount(u)) { training.append(dataset.events[Int(e)]) }
        }
        return BPETokenizer.train(corpus: TokenizerCorpus.texts(for: dataset, reviewsOf: training), vocabSize: vocabSize)
    }

    /// The run context whose examples have `length`-event windows.
    public func context(length: Int) throws -> RunContext {
        if let c = contexts[length] { return c }
        var config = runConfig
        config.preset.windowLength = length
        let c = try RunContext(run: run, config: config, dataset: dataset, backbone: backbone)
        if c.tokenizer == nil { c.setTokenizer(tokenizer) }
        contexts[length] = c
        return c
    }

    /// Users (dataset indices) with at least `events` events before their test target, in
    /// index order, the first `count`.
    public func longUsers(events: Int, count: Int) throws -> [Int32] {
        let timelines = try context(length: events).builder.timelines
        let users = (0..<Int32(timelines.count)).filter { timelines[$0].count >= events + 1 }
        guard !users.isEmpty else {
            let longest = (0..<Int32(timelines.count)).map { timelines[$0].count }.max() ?? 0
            throw RunError.invalidOptions("\(dataset.name) has no user with \(events + 1) events (the longest has \(longest))")
        }
        return Array(users.prefix(count))
    }

    /// The weights of `choice`, built (or loaded) once and shared by every length.
    public func model(_ choice: ModelChoice) throws -> UserLLMModel {
        let name = CostVariants.name(choice)
        if let m = models[name] { return m }
        var config = choice.modelConfig(preset)
        config.encoder.maxEvents = max(config.encoder.maxEvents, maxEvents)
        let vocabularies = try context(length: maxEvents).vocabularies
        let model = UserLLMModel(config: config, vocabularies: vocabularies, seed: preset.seed)
        if let backbone { try backbone.loadWeights(into: model.languageModel) }
        if trainedRun, let url = checkpoint(for: choice) {
            model.apply(url.strategy, lora: preset.lora, seed: preset.seed)
            // A backbone run's checkpoints hold only what trained; the rest is the file's.
            try Self.load(url.url, into: model, strict: preset.backbone == nil)
            trainedVariants.insert(name)
        }
        models[name] = model
        return model
    }

    /// `choice` at `length`-event windows, ready for `Predictor`: the TP prompt unbounded.
    public func trainedModel(_ choice: ModelChoice, length: Int) throws -> TrainedModel {
        let context = try context(length: length)
        let prompts = PromptBuilder(tokenizer: tokenizer, builder: context.builder, mode: choice.mode,
                                    maxAnswerTokens: preset.maxAnswerTokens, maxTokens: Int.max / 4, chat: context.backbone?.chat)
        return TrainedModel(choice: choice, model: try model(choice), prompts: prompts, context: context)
    }

    /// The run's finetuned checkpoint of the variant: full first, then lora, enc, proj.
    private func checkpoint(for choice: ModelChoice) -> (url: URL, strategy: TrainingStrategy)? {
        for strategy in [TrainingStrategy.full, .lora, .enc, .proj] {
            let c = ModelChoice(mode: choice.mode, perceiver: choice.perceiver, strategy: strategy)
            let url = run.checkpointURL(c.name)
            if FileManager.default.fileExists(atPath: url.path) { return (url, strategy) }
        }
        return nil
    }

    /// Loads a checkpoint strictly, except the encoder's position table, whose trained
    /// rows are tiled over a longer table.
    static func load(_ url: URL, into model: UserLLMModel, strict: Bool = true) throws {
        let file = try Safetensors.read(url)
        let positionsName = "encoder.pos_emb.weight"
        let params = model.parameters()
        guard let positions = params.first(where: { $0.0 == positionsName })?.1,
              let trained = file[positionsName], trained.shape != positions.shape else {
            _ = try file.load(into: params, strict: strict)
            return
        }
        _ = try file.load(into: params.filter { $0.0 != positionsName }, strict: false)
        let rows = trained.shape[0], width = trained.shape[1]
        guard width == positions.shape[1], rows > 0 else {
            throw RunError.badRun("\(url.path): \(positionsName) is \(trained.shape), the model wants \(positions.shape)")
        }
        for r in 0..<positions.shape[0] {
            (positions.pointer + r * width).update(from: trained.pointer + (r % rows) * width, count: width)
        }
    }
}
