import Foundation
import NN
import Tensor
import Timelines
import UserLLM
import XCTest

/// The evaluator on a tiny run trained here on MovieLens-100K (all stages, short), its
/// metrics recomputed by hand and its beams checked against the training path's forward.
final class EvaluationTests: XCTestCase {
    private static var cached: (RunContext, URL)?

    /// Tokenizer → LM → encoder → xattn+perceiver and soft finetuning, steps cut short.
    private func trainedRun() throws -> RunContext {
        if let (context, _) = Self.cached { return context }
        let data = try InferenceTestData.movieLens100K()
        var preset = try Preset.named("tiny")
        // Quality is not under test here: a few steps give trained, non-random weights.
        for path in [\Preset.Stages.lm, \Preset.Stages.encoder, \Preset.Stages.finetune] {
            preset.stages[keyPath: path].steps = 12
            preset.stages[keyPath: path].batchSize = 8
            preset.stages[keyPath: path].warmupSteps = 2
            preset.stages[keyPath: path].evalEvery = 12
            preset.stages[keyPath: path].evalBatches = 1
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("userllm-eval-\(UUID().uuidString)")
        let config = RunConfig(dataset: "movielens-100k", dataDir: data.path, preset: preset,
                               tasks: [TaskKind.nextItem.rawValue, TaskKind.favoriteGenre.rawValue])
        let context = try RunContext(run: RunDirectory(dir), config: config)
        try TrainingPipeline(context: context).run(models: [ModelChoice(mode: .xattn, perceiver: true),
                                                           ModelChoice(mode: .soft)])
        Self.cached = (context, dir)
        return context
    }

    override class func tearDown() {
        if let (_, dir) = cached { try? FileManager.default.removeItem(at: dir) }
        cached = nil
        super.tearDown()
    }

    /// log p(answer + <|eos|> | prompt) through the training path (encoder → Perceiver →
    /// projection → full LLM forward), for the example with `answer` swapped in.
    private func trainingPathLogProb(_ trained: TrainedModel, _ example: Example, answer: String) -> Double {
        var ex = example
        ex.answer = answer
        let logits = trained.logits([ex])  // (1, T, V)
        let prompt = trained.promptTokens(ex), answerTokens = trained.answerTokens(answer, task: ex.task)
        let v = logits.shape[2], p = logits.pointer
        var total = 0.0
        for (i, token) in answerTokens.enumerated() {
            let row = p + (prompt.count - 1 + i) * v
            let (m, logSum) = VectorMath.logSumExp(row, v)
            total += Double(row[Int(token)] - m - logSum)
        }
        return total
    }

    func testNextItemAndGenreMetricsRecomputedByHand() throws {
        let context = try trainedRun()
        let evaluator = Evaluator(context: context)
        XCTAssertEqual(Set(evaluator.availableModels().map(\.name)), ["xattn+perceiver-full", "soft-full"])
        let options = EvaluationOptions(tasks: [.nextItem, .favoriteGenre], limit: 6)
        var progress: [Int] = []
        var stages: [(String, Int, Int)] = []  // name, answers announced, progress when it began
        evaluator.onProgress = { done, _, _ in progress.append(done) }
        evaluator.onStage = { name, answers in stages.append((name, answers, progress.last ?? 0)) }
        let report = try evaluator.evaluate(models: [ModelChoice(mode: .xattn, perceiver: true)], options: options)
        XCTAssertEqual(report.rows.map(\.name), ["xattn+perceiver-full", "most-popular", "encoder"])
        XCTAssertEqual(progress, Array(1...(6 + 6 + 6 + 6)))
        // Each stage announces exactly the answers given before the next one begins.
        XCTAssertEqual(stages.map(\.0), ["xattn+perceiver-full", "baselines"])
        XCTAssertEqual(stages.map(\.1), [12, 12])
        XCTAssertEqual(stages.map(\.2), [0, 12])

        let trained = try context.loadModel(ModelChoice(mode: .xattn, perceiver: true))
        let predictor = Predictor(trained: trained)
        let builder = context.builder
        let names = context.dataset.items.map(\.name)
        var ranks: [Int?] = []
        for ex in evaluator.examples(.nextItem, limit: 6) {
            let p = predictor.predict(ex)
            XCTAssertEqual(p.answers.count, 10)
            // Masking is by item: a title stays while one item of that name (ML-100K has
            // duplicate titles) is unrated, or when it is the target's title.
            let rated = builder.itemsRatedBefore(ex)
            let allowed = Set(names.indices.filter { !rated.contains(Int32($0)) }.map { names[$0] } + [ex.answer])
            for a in p.answers {
                XCTAssertTrue(names.contains(a.text))
                XCTAssertTrue(allowed.contains(a.text), "history item \(a.text) ranked")
            }
            for a in p.answers.prefix(3) {
                XCTAssertEqual(a.logProb, trainingPathLogProb(trained, ex, answer: a.text), accuracy: 1e-3)
            }
            ranks.append(p.answers.firstIndex { $0.text == ex.answer })
        }
        let row = report.rows[0].result(.nextItem)!
        XCTAssertEqual(row.examples, 6)
        for k in [1, 5, 10] {
            let hand = Double(ranks.filter { $0 != nil && $0! < k }.count) / 6
            XCTAssertEqual(row.metrics["recall@\(k)"]!, hand, accuracy: 1e-12)
        }
        let ndcg = ranks.reduce(0.0) { $0 + ($1.map { 1 / log2(Double($0) + 2) } ?? 0) } / 6
        XCTAssertEqual(row.metrics["ndcg@10"]!, ndcg, accuracy: 1e-12)
        XCTAssertGreaterThan(row.cost.flopsPerExample, row.cost.encoderFLOPsPerExample)
        XCTAssertGreaterThan(row.cost.encoderFLOPsPerExample, 0)
        XCTAssertGreaterThan(row.cost.secondsPerExample, 0)

        // Favourite genre: exhaustive beams rank every category exactly as the training
        // path scores them; the report's accuracy / Recall@3 follow from the 3-beam ranking.
        var top1 = 0, top3 = 0
        for ex in evaluator.examples(.favoriteGenre, limit: 6) {
            let all = predictor.predict(ex, options: PredictionOptions(beams: predictor.categoryNames.count))
            let brute = predictor.categoryNames.map { ($0, trainingPathLogProb(trained, ex, answer: $0)) }
                .sorted { $0.1 > $1.1 }
            XCTAssertEqual(all.answers.map(\.text), brute.map(\.0))
            let three = predictor.predict(ex).answers.map(\.text)
            if three.first == ex.answer { top1 += 1 }
            if three.contains(ex.answer) { top3 += 1 }
        }
        let genre = report.rows[0].result(.favoriteGenre)!
        XCTAssertEqual(genre.metrics["accuracy"]!, Double(top1) / 6, accuracy: 1e-12)
        XCTAssertEqual(genre.metrics["recall@3"]!, Double(top3) / 6, accuracy: 1e-12)

        // Most-popular by brute force: training counts, history masked, top 10.
        var counts = [Int](repeating: 0, count: names.count)
        for u in 0..<Int32(builder.timelines.count) {
            for e in builder.timelines[u].events.prefix(builder.split.trainingCount(u)) {
                counts[Int(context.dataset.events[Int(e)].item)] += 1
            }
        }
        var hits = 0
        for ex in evaluator.examples(.nextItem, limit: 6) {
            let rated = builder.itemsRatedBefore(ex)
            let top = counts.indices.filter { !rated.contains(Int32($0)) }
                .sorted { counts[$0] != counts[$1] ? counts[$0] > counts[$1] : $0 < $1 }.prefix(10)
            if top.contains(Int(context.dataset.events[Int(builder.targetEvent(ex))].item)) { hits += 1 }
        }
        XCTAssertEqual(report.rows[1].result(.nextItem)!.metrics["recall@10"]!, Double(hits) / 6, accuracy: 1e-12)
        // Most-popular on genre: the most common training answer for everyone, by hand.
        var answers: [String: Int] = [:]
        for ex in builder.examples(.favoriteGenre, .train) { answers[ex.answer, default: 0] += 1 }
        let commonest = try XCTUnwrap(answers.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }?.key)
        let majority = evaluator.examples(.favoriteGenre, limit: 6).filter { $0.answer == commonest }.count
        let popularGenre = try XCTUnwrap(report.rows[1].result(.favoriteGenre))
        XCTAssertEqual(popularGenre.metrics["accuracy"]!, Double(majority) / 6, accuracy: 1e-12)
        XCTAssertEqual(popularGenre.examples, 6)

        let table = report.table()
        XCTAssertEqual(table.rows.count, 3)
        XCTAssertTrue(table.header.contains("NDCG@10"))
        let decoded = try JSONDecoder().decode(EvaluationReport.self, from: report.json())
        XCTAssertEqual(decoded, report)
    }

    /// Each row shows what its training cost (from metrics.json); `beams` widens next-item's
    /// search only.
    func testRowsCarryTrainingCostAndBeamsWidenNextItemOnly() throws {
        let context = try trainedRun()
        let evaluator = Evaluator(context: context)
        let choice = ModelChoice(mode: .xattn, perceiver: true)
        let report = try evaluator.evaluate(models: [choice], options: EvaluationOptions(tasks: [.nextItem], limit: 3))
        let stages = try context.run.readMetrics().stages
        XCTAssertEqual(report.rows.map(\.name), [choice.name, "most-popular", "encoder"])
        XCTAssertEqual(report.rows[0].trainingSeconds, stages[choice.name]?.seconds)
        XCTAssertEqual(report.rows[0].trainingExamples, 12 * 8)
        XCTAssertNil(report.rows[1].trainingSeconds)
        XCTAssertEqual(report.rows[2].trainingSeconds, stages["encoder"]?.seconds)
        let table = report.table()
        XCTAssertEqual(Array(table.header.suffix(3)), ["train s", "train examples", "train peak"])
        XCTAssertEqual(table.rows[0].dropLast().last, "96")
        XCTAssertTrue(table.rows[0].last?.hasSuffix(" MiB") == true, "the finetuning's peak memory: \(table.rows[0])")

        let predictor = Predictor(trained: try context.loadModel(choice))
        func flops(_ beams: Int?) -> (nextItem: Double, genre: Double) {
            let row = evaluator.evaluate(predictor, options: EvaluationOptions(tasks: [.nextItem, .favoriteGenre], limit: 3,
                                                                              baselines: false, beams: beams))
            return (row.result(.nextItem)!.cost.flopsPerExample, row.result(.favoriteGenre)!.cost.flopsPerExample)
        }
        let narrow = flops(nil), wide = flops(30)
        XCTAssertGreaterThan(wide.nextItem, narrow.nextItem)
        XCTAssertEqual(wide.genre, narrow.genre)
    }

    /// A reloaded model answers exactly as the first load; soft prompts go through the prefix.
    /// The exact ranking (a beam as wide as the catalogue) never ranks worse than the
    /// 10-beam search at any place: its k-th title scores at least the beam's k-th. The
    /// check's counts and recalls follow from the two rankings.
    func testExactRankingBoundsTheBeamSearch() throws {
        let context = try trainedRun()
        let evaluator = Evaluator(context: context)
        let predictor = Predictor(trained: try context.loadModel(ModelChoice(mode: .xattn, perceiver: true)))
        let exs = Array(evaluator.examples(.nextItem, limit: 2))
        var beamHits = 0.0, exactHits = 0.0, perTokenHits = 0.0, exactTokens = 0.0, perTokenTokens = 0.0
        for ex in exs {
            let beam = predictor.predict(ex, options: PredictionOptions(beams: 10)).answers
            let exact = predictor.predict(ex, options: PredictionOptions(beams: predictor.itemNames.count)).answers
            XCTAssertEqual(beam.count, 10)
            for k in 0..<10 { XCTAssertLessThanOrEqual(beam[k].logProb, exact[k].logProb + 1e-6, "rank \(k)") }
            if beam.contains(where: { $0.text == ex.answer }) { beamHits += 1 }
            if exact.prefix(10).contains(where: { $0.text == ex.answer }) { exactHits += 1 }
            // Per token, by hand: the ten best mean log-probabilities per token.
            let perToken = exact.sorted { $0.logProb / Double($0.tokens) > $1.logProb / Double($1.tokens) }.prefix(10)
            if perToken.contains(where: { $0.text == ex.answer }) { perTokenHits += 1 }
            exactTokens += Double(exact.prefix(10).map(\.tokens).reduce(0, +)) / 10
            perTokenTokens += Double(perToken.map(\.tokens).reduce(0, +)) / 10
        }
        let check = evaluator.exactRankingCheck(predictor, users: 2, options: EvaluationOptions(tasks: [.nextItem]))
        XCTAssertEqual(check.users, 2)
        XCTAssertEqual(check.beamRecall10.value, beamHits / 2, accuracy: 1e-12)
        XCTAssertEqual(check.exactRecall10.value, exactHits / 2, accuracy: 1e-12)
        XCTAssertEqual(check.perTokenRecall10?.value ?? -1, perTokenHits / 2, accuracy: 1e-12)
        XCTAssertEqual(check.meanTokens?.exactTop10 ?? -1, exactTokens / 2, accuracy: 1e-12)
        // A per-token order that were only the exact one would fail here: the two top 10s differ in length.
        XCTAssertEqual(check.meanTokens?.perTokenTop10 ?? -1, perTokenTokens / 2, accuracy: 1e-12)
        XCTAssertNotEqual(perTokenTokens, exactTokens)
    }

    func testReloadedModelGivesTheSamePredictions() throws {
        let context = try trainedRun()
        let choice = ModelChoice(mode: .soft)
        let a = Predictor(trained: try context.loadModel(choice)), b = Predictor(trained: try context.loadModel(choice))
        let ex = try a.example(user: 3, task: .nextItem, cut: 20)
        let pa = a.predict(ex), pb = b.predict(ex)
        XCTAssertEqual(pa.answers, pb.answers)
        XCTAssertGreaterThan(pa.stats.prefixRows, 0)
        XCTAssertEqual(pa.stats.userRows, 0)
        XCTAssertEqual(ex.window.count, 20)
        XCTAssertThrowsError(try a.example(user: 3, task: .nextItem, cut: 0))
        let sampled = a.predict(ex, options: PredictionOptions(sampling: SamplingConfig(seed: 5)))
        XCTAssertEqual(sampled.answers, a.predict(ex, options: PredictionOptions(sampling: SamplingConfig(seed: 5))).answers)
    }
}
