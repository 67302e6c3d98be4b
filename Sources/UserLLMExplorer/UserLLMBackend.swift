import Explorer
import Foundation
import NN
import Tensor
import Timelines

/// The explorer's model side over a trained run directory (DESIGN §6): one mode per
/// finetuned model of the run (tp, soft, xattn, xattn+perceiver, …), each answered by a
/// `Predictor` — constrained beam search with the user's history masked for next item
/// and favourite genre, greedy decoding for review — with measured latency, prompt
/// tokens and analytic FLOPs; the cross-attention model's gates and attention weights.
///
/// The explorer calls it from one background queue, one call at a time (ExplorerBackend's
/// contract), so the lazily built predictors need no lock.
public final class UserLLMBackend: ExplorerBackend, @unchecked Sendable {
    public let context: RunContext
    public let info: BackendInfo
    /// The finetuned model behind each mode id.
    public let choices: [String: ModelChoice]
    private var predictors: [String: Predictor] = [:]
    /// The last answer each mode gave, so the attention capture of the same query replays
    /// the answer the task panel shows instead of decoding it again.
    private var lastAnswers: [String: (query: TaskQuery, text: String)] = [:]

    /// Opens the run at `url`. `dataset`: the explorer's already loaded dataset (its
    /// indices must be the run's: same files); nil loads the run's own.
    public init(run url: URL, dataset: Dataset? = nil) throws {
        context = try RunContext.open(url, dataset: dataset)
        let models = try Self.finetunedModels(in: context.run)
        guard !models.isEmpty else {
            throw RunError.badRun("\(context.run.checkpointsURL.path) holds no finetuned model yet: finish `userllm train` for this run")
        }
        var byID: [String: ModelChoice] = [:]
        for m in models where byID[m.explorerModeID] == nil { byID[m.explorerModeID] = m }
        choices = byID
        let modes = byID.values.map(\.explorerMode).sorted { Self.order($0) < Self.order($1) }
        let preset = context.config.preset
        let xattn = byID.values.contains { $0.mode == .xattn }
        info = BackendInfo(runName: url.standardizedFileURL.lastPathComponent, preset: preset.name, modes: modes,
                           tasks: Set(context.tasks.compactMap { ExplorerTask(rawValue: $0.rawValue) }),
                           crossAttentionLayers: xattn ? preset.llm.layers : 0,
                           crossAttentionHeads: xattn ? preset.llm.heads : 0)
    }

    /// The finetuned models a run holds (finished stages only: an entry in metrics.json and
    /// the checkpoint), for each mode the first present of full, lora, enc, proj.
    public static func finetunedModels(in run: RunDirectory) throws -> [ModelChoice] {
        let metrics = try run.readMetrics()
        var found: [ModelChoice] = []
        for mode in [FusionMode.soft, .xattn, .tp] {
            for perceiver in mode.usesEncoder ? [false, true] : [false] {
                for strategy in TrainingStrategy.allCases {
                    let choice = ModelChoice(mode: mode, perceiver: perceiver, strategy: strategy)
                    guard strategy.isValid(for: mode), metrics.stages[choice.name] != nil,
                          FileManager.default.fileExists(atPath: run.checkpointURL(choice.name).path) else { continue }
                    found.append(choice)
                    break
                }
            }
        }
        return found
    }

    /// Embedding modes first (fast), cross-attention before soft prompts, TP last.
    private static func order(_ m: ModeDescriptor) -> Int {
        (m.isTextPrompt ? 100 : 0) + (m.hasCrossAttention ? 0 : 10) + (m.usesPerceiver ? 1 : 0)
    }

    /// The predictor of a mode, loading its checkpoint on first use.
    public func predictor(_ modeID: String) throws -> Predictor {
        if let p = predictors[modeID] { return p }
        guard let choice = choices[modeID] else { throw RunError.badRun("this run has no model for mode \(modeID)") }
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

    public func gates(control: JobControl) throws -> [GateReading] {
        let xattn = info.modes.filter(\.hasCrossAttention)
        guard let mode = xattn.first(where: { !$0.usesPerceiver }) ?? xattn.first else { return [] }
        let lm = try predictor(mode.id).trained.languageModel
        return lm.blocks.enumerated().compactMap { i, block in
            block.xattn.map { GateReading(layer: i, alpha: $0.gate.pointer[0]) }
        }
    }
}
