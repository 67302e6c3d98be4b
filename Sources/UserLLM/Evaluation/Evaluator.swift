import Foundation
import NN
import Tensor
import Timelines

/// DESIGN §5 on a run's test part (one example per user): next item — Recall@1/5/10 and
/// NDCG@10 over the whole catalogue by constrained beam search, every item rated before the
/// target masked; favourite genre — accuracy and Recall@3; review — ROUGE-1/2/L/Lsum F1 of
/// greedy text. Each model's row carries its mean time, prompt size and FLOPs per example;
/// the baselines (most-popular, the pretrained encoder's item head) rank the same users.
public final class Evaluator {
    public let context: RunContext
    public var builder: ExampleBuilder { context.builder }

    /// Progress: (examples done, examples in all, what is running).
    public var onProgress: ((Int, Int, String) -> Void)?
    /// A stage begins: its name (a model, or "baselines") and the answers it will give. Its
    /// answers can cost 40× another stage's (a 200-event TP prompt against xattn), so a
    /// stage's own pace is what tells when it ends.
    public var onStage: ((String, Int) -> Void)?

    public init(context: RunContext) { self.context = context }

    /// The finetuned models of the run (checkpoints named like "xattn+perceiver-full").
    public func availableModels() -> [ModelChoice] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: context.run.checkpointsURL.path)) ?? []
        let names = Set(files.filter { $0.hasSuffix(".safetensors") && !$0.contains(".resume.") }
            .map { String($0.dropLast(".safetensors".count)) })
        return ModelChoice.all.filter { names.contains($0.name) }
    }

    /// The tasks evaluated under `options`.
    public func tasks(_ options: EvaluationOptions) -> [TaskKind] {
        (options.tasks ?? context.tasks).filter(builder.supports)
    }

    /// Test examples of `task`, the first `limit` users only when given.
    public func examples(_ task: TaskKind, limit: Int?) -> [Example] {
        let all = builder.examples(task, .test)
        guard let limit else { return all }
        return all.filter { Int($0.user) < limit }
    }

    /// Evaluates every model in `models` (default: all the run has) and the baselines.
    public func evaluate(models: [ModelChoice]? = nil, options: EvaluationOptions = EvaluationOptions()) throws
        -> EvaluationReport {
        let choices = models ?? availableModels()
        let tasks = self.tasks(options)
        let perModel = tasks.reduce(0) { $0 + examples($1, limit: options.limit).count }
        let baselineExamples = options.baselines && tasks.contains(.nextItem)
            ? examples(.nextItem, limit: options.limit).count : 0
        let exactUsers = tasks.contains(.nextItem) ? min(options.exactRankingUsers ?? 0, examples(.nextItem, limit: options.limit).count) : 0
        total = (perModel + exactUsers) * choices.count + 2 * baselineExamples
        done = 0
        var rows: [EvaluationRow] = []
        var checks: [ExactRankingCheck] = []
        for choice in choices {
            let predictor = Predictor(trained: try context.loadModel(choice))
            // After the load: a stage's pace is its answers', not the seconds reading weights.
            onStage?(choice.name, perModel + exactUsers)
            rows.append(evaluate(predictor, options: options))
            if exactUsers > 0 { checks.append(exactRankingCheck(predictor, users: exactUsers, options: options)) }
        }
        if baselineExamples > 0 {
            onStage?("baselines", 2 * baselineExamples)
            rows += try baselines(options)
        }
        // Training time beside the metrics: what each accuracy cost to reach.
        let stages = (try? context.run.readMetrics().stages) ?? [:]
        for i in rows.indices {
            rows[i].trainingSeconds = stages[rows[i].name]?.seconds
            rows[i].trainingExamples = stages[rows[i].name]?.notes["examplesSeen"].flatMap { Int($0) }
            rows[i].trainingPeakBytes = stages[rows[i].name]?.notes["peakMemoryBytes"].flatMap { Int($0) }
        }
        for i in rows.indices {
            for j in rows[i].results.indices { rows[i].results[j].attachIntervals(options.bootstrap) }
        }
        let users = options.limit.map { min($0, builder.timelines.count) } ?? builder.timelines.count
        return EvaluationReport(dataset: context.config.dataset, run: context.run.url.path, preset: context.config.preset.name,
                                users: users, rows: rows, bootstrap: options.bootstrap, exactRanking: checks,
                                precision: InferencePrecision.standard.rawValue)
    }

    private var total = 0
    private var done = 0

    private func tick(_ label: String) {
        done += 1
        onProgress?(done, max(total, done), label)
    }

    /// Next-item searches `options.beams` wide when set (ranking the top of a large catalogue
    /// well needs more beams than answers); favourite genre ranks a handful of categories.
    private func beams(_ task: TaskKind, _ cutoffs: [Int], _ options: EvaluationOptions) -> Int {
        let needed = cutoffs.max() ?? 10
        return task == .nextItem ? max(options.beams ?? needed, needed) : needed
    }

    /// One model's row.
    public func evaluate(_ predictor: Predictor, options: EvaluationOptions = EvaluationOptions()) -> EvaluationRow {
        let name = predictor.trained.choice.name
        var results: [TaskResult] = []
        for task in tasks(options) {
            let exs = examples(task, limit: options.limit)
            var cost = InferenceCost()
            switch task {
            case .nextItem, .favoriteGenre:
                let cutoffs = task == .nextItem ? options.nextItemCutoffs : options.genreCutoffs
                var metrics = RankingMetrics(cutoffs: cutoffs)
                for ex in exs {
                    let p = predictor.predict(ex, options: PredictionOptions(beams: beams(task, cutoffs, options)))
                    metrics.add(ranking: p.answers.map(\.text), target: ex.answer)
                    cost.add(p.stats)
                    tick("\(name) \(task.rawValue)")
                }
                results.append(.ranking(task, metrics, cost: cost, users: exs.map(\.user)))
            case .review:
                var rouge = RougeSummary()
                var samples: [ReviewSample] = []
                for ex in exs {
                    let p = predictor.predict(ex)
                    let (generated, real) = (p.answers.first?.text ?? "", predictor.reviewReference(ex))
                    rouge.add(prediction: generated, reference: real)
                    if samples.count < ReviewSample.perModel {
                        samples.append(ReviewSample(user: ex.user, generated: generated, real: real))
                    }
                    cost.add(p.stats)
                    tick("\(name) review")
                }
                results.append(.review(rouge, cost: cost, users: exs.map(\.user), samples: samples))
            }
        }
        return EvaluationRow(name: name, isBaseline: false, results: results)
    }

    /// The exact-ranking check of `predictor`'s next-item search on the first `users` test
    /// users (within `options.limit`): its beam (`options.beams`, default 10) against a beam
    /// as wide as the catalogue, which scores every title by its full log-probability.
    public func exactRankingCheck(_ predictor: Predictor, users: Int, options: EvaluationOptions = EvaluationOptions()) -> ExactRankingCheck {
        let exs = Array(examples(.nextItem, limit: options.limit).prefix(users))
        let width = beams(.nextItem, options.nextItemCutoffs, options)
        let all = max(width, predictor.itemNames.count)
        var beam: [[String]] = [], exact: [[String]] = [], perToken: [[String]] = [], beamSeconds = 0.0, exactSeconds = 0.0
        var tokens: (exact: Double, perToken: Double, targets: Double, targetCount: Int) = (0, 0, 0, 0)
        func meanTokens(_ a: ArraySlice<Prediction.Answer>) -> Double { Double(a.map(\.tokens).reduce(0, +)) / Double(max(a.count, 1)) }
        for ex in exs {
            var clock = Stopwatch()
            beam.append(predictor.predict(ex, options: PredictionOptions(beams: width)).answers.map(\.text))
            beamSeconds += clock.lap()
            let everyTitle = predictor.predict(ex, options: PredictionOptions(beams: all)).answers
            exactSeconds += clock.lap()
            let byToken = ExactRankingCheck.perTokenOrder(everyTitle)
            exact.append(everyTitle.prefix(10).map(\.text))
            perToken.append(byToken.prefix(10).map(\.text))
            tokens.exact += meanTokens(everyTitle.prefix(10))
            tokens.perToken += meanTokens(byToken.prefix(10))
            if let target = everyTitle.first(where: { $0.text == ex.answer }) { tokens.targets += Double(target.tokens); tokens.targetCount += 1 }
            tick("\(predictor.trained.choice.name) exact ranking")
        }
        let n = Double(max(exs.count, 1))
        let lengths = ExactRankingCheck.TokenLengths(exactTop10: tokens.exact / n, perTokenTop10: tokens.perToken / n,
                                                     targets: tokens.targets / Double(max(tokens.targetCount, 1)))
        return ExactRankingCheck.compare(model: predictor.trained.choice.name, beams: width, beam: beam, exact: exact,
                                         targets: exs.map(\.answer), beamSeconds: beamSeconds, exactSeconds: exactSeconds,
                                         bootstrap: options.bootstrap, perToken: perToken, tokens: lengths)
    }

    /// Most-popular and — when the run has a pretrained encoder — the encoder's item head,
    /// on the same next-item examples, ranked by dataset item, history masked; most-popular
    /// also answers favourite genre (the most common answer) when the run poses it.
    public func baselines(_ options: EvaluationOptions = EvaluationOptions()) throws -> [EvaluationRow] {
        let exs = examples(.nextItem, limit: options.limit)
        let cutoffs = options.nextItemCutoffs, k = cutoffs.max() ?? 10
        let items = context.dataset.events
        func target(_ ex: Example) -> Int32 { items[Int(builder.targetEvent(ex))].item }

        let popular = MostPopular(builder: builder)
        var popMetrics = RankingMetrics(cutoffs: cutoffs), popCost = InferenceCost()
        for ex in exs {
            var clock = Stopwatch()
            let ranking = popular.recommend(excluding: builder.itemsRatedBefore(ex), k: k)
            popCost.add(seconds: clock.lap())
            popMetrics.add(ranking: ranking, target: target(ex))
            tick("most-popular")
        }
        var popularResults = [TaskResult.ranking(.nextItem, popMetrics, cost: popCost, users: exs.map(\.user))]
        if tasks(options).contains(.favoriteGenre) { popularResults.append(mostCommonGenre(options)) }
        var rows = [EvaluationRow(name: "most-popular", isBaseline: true, results: popularResults)]

        guard let recommender = try encoderRecommender() else { return rows }
        var encMetrics = RankingMetrics(cutoffs: cutoffs), encCost = InferenceCost()
        for ex in exs {
            var clock = Stopwatch()
            let ranking = recommender.recommend([ex], builder: builder, k: k)[0]
            encCost.add(seconds: clock.lap())
            encMetrics.add(ranking: ranking, target: target(ex))
            tick("encoder")
        }
        rows.append(EvaluationRow(name: "encoder", isBaseline: true, results: [.ranking(.nextItem, encMetrics, cost: encCost, users: exs.map(\.user))]))
        return rows
    }

    /// Most-popular on favourite genre: every user gets the genres ranked by how often each
    /// is the answer in training — what a model scores when it answers without the user.
    private func mostCommonGenre(_ options: EvaluationOptions) -> TaskResult {
        var counts: [String: Int] = [:]
        for ex in builder.examples(.favoriteGenre, .train) { counts[ex.answer, default: 0] += 1 }
        let ranking = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map(\.key)
        let exs = examples(.favoriteGenre, limit: options.limit)
        var metrics = RankingMetrics(cutoffs: options.genreCutoffs)
        for ex in exs { metrics.add(ranking: Array(ranking.prefix(options.genreCutoffs.max() ?? 3)), target: ex.answer) }
        return .ranking(.favoriteGenre, metrics, cost: InferenceCost(), users: exs.map(\.user))
    }

    /// The pretrained encoder with its item head (checkpoints/encoder.safetensors), or nil
    /// when the run has none.
    public func encoderRecommender() throws -> EncoderRecommender? {
        try EncoderRecommender.load(context)
    }
}

extension EncoderRecommender {
    /// The run's pretrained encoder with its item head (checkpoints/encoder.safetensors),
    /// or nil when the run has none yet. `file`/`prefix`: another file holding the same
    /// tensors under `prefix` (the stage's resume file keeps its best validated weights
    /// as "best.encoder.…").
    public static func load(_ context: RunContext, file: URL? = nil, prefix: String = "") throws -> EncoderRecommender? {
        let url = file ?? context.run.checkpointURL("encoder")
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let preset = context.config.preset
        let config = ModelChoice(mode: .xattn).modelConfig(preset).encoder
        let encoder = UserEncoder(config: config, vocabularies: context.vocabularies, seed: preset.seed &+ 1)
        let heads = EncoderHeads(config: config, vocabularies: context.vocabularies, seed: preset.seed &+ 2, encoder: encoder)
        let file = try Safetensors.read(url)
        try file.withPrefix(prefix + "encoder.").load(into: encoder.parameters(), strict: true)
        try file.withPrefix(prefix + "heads.").load(into: heads.parameters(), strict: true)
        return EncoderRecommender(encoder: encoder, heads: heads, features: context.features)
    }
}
