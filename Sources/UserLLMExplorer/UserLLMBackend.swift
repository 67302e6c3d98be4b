import Explorer
import Foundation
import NN
import Tensor
import Timelines
import UserLLM

/// The explorer's model side over a trained run directory (DESIGN §6): one mode per
/// finetuned model of the run (tp, soft, xattn, xattn+perceiver, …), each answered by a
/// `Predictor` — constrained beam search with the user's history masked for next item
/// and favourite genre, greedy decoding for review — with measured latency, prompt
/// tokens and analytic FLOPs; the cross-attention model's gates and attention weights.
///
/// While the run trains in the background (`init(run:dataset:training:)`), every planned
/// model has its column from the start; `training(_:)` says how far each is, and a mode
/// answers as soon as its checkpoint exists. The encoder alone ("encoder": the pretraining
/// item head ranks the next item) answers first, minutes before any finetuned model.
///
/// The explorer calls it from one background queue, one call at a time (ExplorerBackend's
/// contract), so the lazily built predictors need no lock; `training(_:)` is the only
/// call from the UI thread and reads the trainer's own locked status.
public final class UserLLMBackend: ExplorerBackend, @unchecked Sendable {
    /// Reopened once the tokenizer exists (a context opened before it has none).
    public private(set) var context: RunContext
    public let info: BackendInfo
    /// The finetuned model behind each mode id.
    public let choices: [String: ModelChoice]
    /// The run training in the background (nil: a finished run).
    public let trainer: BackgroundTrainer?
    private var predictors: [String: Predictor] = [:]
    private var encoderAlone: EncoderRecommender?
    /// The file and modification date `encoderAlone` was read from (a newer one replaces it).
    private var encoderSource: (url: URL, date: Date)?

    /// The encoder-alone column: next item only (it has no text decoder).
    public static let encoderMode = ModeDescriptor(id: "encoder", title: "Encoder", tasks: [.nextItem])
    /// The last answer each mode gave, so the attention capture of the same query replays
    /// the answer the task panel shows instead of decoding it again.
    private var lastAnswers: [String: (query: TaskQuery, text: String)] = [:]

    /// Opens the run at `url`. `dataset`: the explorer's already loaded dataset (its
    /// indices must be the run's: same files); nil loads the run's own.
    public init(run url: URL, dataset: Dataset? = nil) throws {
        context = try RunContext.open(url, dataset: dataset)
        trainer = nil
        let models = try Self.finetunedModels(in: context.run)
        guard !models.isEmpty else {
            throw RunError.badRun("\(context.run.checkpointsURL.path) holds no finetuned model yet: finish `userllm train` for this run")
        }
        let encoder = FileManager.default.fileExists(atPath: context.run.checkpointURL("encoder").path)
        (choices, info) = Self.describe(models, encoder: encoder, context: context, url: url)
    }

    /// A run `training` is still training: every model it will train has a column now.
    public init(run url: URL, dataset: Dataset? = nil, training: BackgroundTrainer) throws {
        context = try RunContext.open(url, dataset: dataset)
        trainer = training
        (choices, info) = Self.describe(BackgroundTrainer.models, encoder: true, context: context, url: url)
    }

    private static func describe(_ models: [ModelChoice], encoder: Bool, context: RunContext, url: URL) -> ([String: ModelChoice], BackendInfo) {
        var byID: [String: ModelChoice] = [:]
        for m in models where byID[m.explorerModeID] == nil { byID[m.explorerModeID] = m }
        var modes = byID.values.map(\.explorerMode)
        if encoder { modes.append(encoderMode) }
        modes.sort { Self.order($0, byID[$0.id]) < Self.order($1, byID[$1.id]) }
        let preset = context.config.preset
        let xattn = byID.values.contains { $0.mode == .xattn }
        // The layers an xattn model of this run has cross-attention in (every k-th).
        let llm = ModelChoice(mode: .xattn).modelConfig(preset).llm
        let layers = xattn ? (0..<llm.layers).filter { llm.hasCrossAttention(layer: $0) } : []
        let info = BackendInfo(runName: url.standardizedFileURL.lastPathComponent, preset: preset.name,
                               backbone: preset.backbone.map(Self.backboneTitle), modes: modes,
                               tasks: Set(context.tasks.compactMap { ExplorerTask(rawValue: $0.rawValue) }),
                               crossAttentionLayers: layers,
                               crossAttentionHeads: xattn ? preset.llm.heads : 0)
        return (byID, info)
    }

    /// A backbone as its makers name it: the known model's file name without quantisation
    /// and extension ("SmolLM2-135M-Instruct"); an unknown name as the preset gives it.
    static func backboneTitle(_ name: String) -> String {
        guard let file = PretrainedModel.named(name)?.fileName, let stem = file.split(separator: ".").first else { return name }
        return String(stem)
    }

    public func training(_ mode: ModeDescriptor) -> ModeTraining? {
        trainer?.training(modeID: mode.id)
    }

    /// The finetuned models a run holds (finished stages only: an entry in metrics.json and
    /// the checkpoint), for each mode the first present of full, lora, enc, proj; and TP's
    /// zero-shot baseline besides, when the run has it.
    public static func finetunedModels(in run: RunDirectory) throws -> [ModelChoice] {
        let metrics = try run.readMetrics()
        func present(_ choice: ModelChoice) -> Bool {
            choice.strategy.isValid(for: choice.mode) && metrics.stages[choice.name] != nil
                && FileManager.default.fileExists(atPath: run.checkpointURL(choice.name).path)
        }
        var found: [ModelChoice] = []
        for mode in [FusionMode.soft, .xattn, .tp] {
            for perceiver in mode.usesEncoder ? [false, true] : [false] {
                let trained = TrainingStrategy.allCases.filter { $0 != .zeroShot }
                if let choice = trained.map({ ModelChoice(mode: mode, perceiver: perceiver, strategy: $0) }).first(where: present) {
                    found.append(choice)
                }
                let zeroShot = ModelChoice(mode: mode, perceiver: perceiver, strategy: .zeroShot)
                if present(zeroShot) { found.append(zeroShot) }
            }
        }
        return found
    }

    /// The encoder alone first (fastest), then embedding modes, cross-attention before
    /// soft prompts, TP last, its zero-shot baseline after finetuned TP.
    private static func order(_ m: ModeDescriptor, _ choice: ModelChoice?) -> Int {
        if m.id == encoderMode.id { return -1 }
        return (m.isTextPrompt ? 100 : 0) + (m.hasCrossAttention ? 0 : 10) + (m.usesPerceiver ? 1 : 0)
            + (choice?.strategy == .zeroShot ? 2 : 0)
    }

    /// The predictor of a mode, loading its checkpoint on first use.
    public func predictor(_ modeID: String) throws -> Predictor {
        if let p = predictors[modeID] { return p }
        guard let choice = choices[modeID] else { throw RunError.badRun("this run has no model for mode \(modeID)") }
        if context.tokenizer == nil && FileManager.default.fileExists(atPath: context.run.tokenizerURL.path) {
            context = try RunContext.open(context.run.url, dataset: context.dataset)
        }
        let p = Predictor(trained: try context.loadModel(choice))
        predictors[modeID] = p
        return p
    }

    /// The run's example for the explorer's query: the same user, task and cut.
    func example(_ query: TaskQuery, _ p: Predictor) throws -> Example {
        guard let task = TaskKind(rawValue: query.task.rawValue) else { throw RunError.invalidOptions("unknown task \(query.task)") }
        return try p.example(user: query.user, task: task, cut: query.cut)
    }

    public func run(_ query: TaskQuery, mode: ModeDescriptor, control: JobControl) throws -> ModeResult {
        if control.isCancelled { throw CancellationError() }
        if mode.id == Self.encoderMode.id { return try runEncoderAlone(query) }
        let p = try predictor(mode.id)
        let ex = try example(query, p)
        var steps = 0
        p.generator.shouldStop = {
            steps += 1
            if steps % 4 == 0 { control.report(nil, "decoding step \(steps)") }
            return control.isCancelled
        }
        defer { p.generator.shouldStop = nil }
        let options = PredictionOptions(beams: query.task == .review ? 1 : max(1, query.topK))
        let start = DispatchTime.now().uptimeNanoseconds
        let prediction = Autograd.noGrad { p.predict(ex, options: options) }
        let latency = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        if control.isCancelled { throw CancellationError() }
        var metrics: [String: Double] = [:]
        if query.task == .review, let text = prediction.answers.first?.text {
            let r = Rouge.score(prediction: Rouge.splitSentences(text), reference: Rouge.splitSentences(p.reviewReference(ex)))
            metrics["ROUGE-L"] = r.rougeL.f1
        }
        if let top = prediction.answers.first { lastAnswers[mode.id] = (query, top.text) }
        return ModeResult(mode: mode.id,
                          answers: prediction.answers.map { Explorer.RankedAnswer(text: $0.text, logProbability: $0.logProb) },
                          latency: latency, promptTokens: prediction.stats.promptTokens,
                          flops: Double(prediction.stats.flops.total), metrics: metrics)
    }

    /// The answer `run` last gave for this query in this mode, if any.
    func cachedAnswer(_ query: TaskQuery, mode: String) -> String? {
        guard let last = lastAnswers[mode], last.query == query else { return nil }
        return last.text
    }

    /// The encoder alone: the pretraining item head after the window's last event ranks
    /// every catalogue item, the user's earlier items masked (as `userllm eval`'s
    /// "encoder" row). Log-probabilities are the item head's softmax over the catalogue.
    func runEncoderAlone(_ query: TaskQuery) throws -> ModeResult {
        guard query.task == .nextItem else { throw RunError.invalidOptions("the encoder alone ranks next items only") }
        try loadEncoderAlone()
        guard let rec = encoderAlone else { throw RunError.badRun("\(context.run.checkpointURL("encoder").path) does not exist yet") }
        let ex = try Predictor.example(builder: context.builder, user: query.user, task: .nextItem, cut: query.cut)
        let start = DispatchTime.now().uptimeNanoseconds
        let logits = rec.scores([ex], builder: context.builder)  // (1, item vocabulary)
        let ranking = rec.recommend([ex], builder: context.builder, k: max(1, query.topK))[0]
        let latency = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let p = logits.pointer
        let itemIDs = rec.features.itemIDs
        // Log-softmax over the dataset's items (what the ranking chooses among).
        var maxLogit = -Float.infinity
        for id in itemIDs where id > Vocabulary.unk { maxLogit = max(maxLogit, p[Int(id)]) }
        var sum: Double = 0
        for id in itemIDs where id > Vocabulary.unk { sum += exp(Double(p[Int(id)] - maxLogit)) }
        let logZ = Double(maxLogit) + log(sum)
        let items = context.dataset.items
        let answers = ranking.map { Explorer.RankedAnswer(text: items[Int($0)].name, logProbability: Double(p[Int(itemIDs[Int($0)])]) - logZ) }
        let cfg = ModelChoice(mode: .xattn).modelConfig(context.config.preset).encoder
        let events = Int(ex.target - ex.windowStart)
        let flops = FLOPs.userEncoder(cfg, events: events) + FLOPs.linear(rows: 1, in: cfg.dModel, out: rec.heads.item.outFeatures, bias: true)
        return ModeResult(mode: Self.encoderMode.id, answers: answers, latency: latency, promptTokens: 0,
                          flops: Double(flops.total), metrics: [:])
    }

    /// The finished encoder; while its stage still trains, the best validated weights so
    /// far from the stage's resume file (the column answers minutes before the stage ends
    /// and improves at each validation).
    private func loadEncoderAlone() throws {
        let final = context.run.checkpointURL("encoder")
        let early = context.run.checkpointsURL.appendingPathComponent("encoder.resume.safetensors")
        let fm = FileManager.default
        let url = fm.fileExists(atPath: final.path) ? final : early
        guard let date = (try? fm.attributesOfItem(atPath: url.path))?[.modificationDate] as? Date else { return }
        if let s = encoderSource, s.url == url, s.date == date, encoderAlone != nil { return }
        encoderAlone = try EncoderRecommender.load(context, file: url, prefix: url == final ? "" : "best.")
        encoderSource = (url, date)
    }

    public func gates(control: JobControl) throws -> [GateReading] {
        // Only trained models have gates to read.
        let xattn = info.modes.filter { $0.hasCrossAttention && training($0) == nil }
        guard let mode = xattn.first(where: { !$0.usesPerceiver }) ?? xattn.first else { return [] }
        let lm = try predictor(mode.id).trained.languageModel
        return lm.blocks.enumerated().compactMap { i, block in
            block.xattn.map { GateReading(layer: i, alpha: $0.gate.pointer[0]) }
        }
    }
}
