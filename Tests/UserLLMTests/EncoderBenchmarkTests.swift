import Foundation
import Tensor
import Timelines
import UserLLM
import XCTest

/// Figures for the report, not a pass/fail test: runs only with USERLLM_ENCODER_BENCH=<seconds>
/// (release build). Pretrains the small encoder on MovieLens-100K for that long, prints
/// throughput and the test-part Recall/NDCG of the encoder alone and of most-popular.
/// Optional: USERLLM_ENCODER_BENCH_STEPS (schedule length, warmup a tenth), _BATCH, _LR.
///
///   USERLLM_ENCODER_BENCH=150 swift test -c release --filter EncoderBenchmarkTests
final class EncoderBenchmarkTests: XCTestCase {
    func testSmallEncoderPretrainingAndBaselines() throws {
        guard let budget = ProcessInfo.processInfo.environment["USERLLM_ENCODER_BENCH"].flatMap(Double.init) else {
            throw XCTSkip("set USERLLM_ENCODER_BENCH=<seconds> to run")
        }
        let data = try EncoderTestData.movieLens100K()
        let vocab = data.features.vocabularies
        let env = ProcessInfo.processInfo.environment
        var config = EncoderPretrainingConfig()
        if let steps = env["USERLLM_ENCODER_BENCH_STEPS"].flatMap(Int.init) {
            config.steps = steps
            config.warmupSteps = max(1, steps / 10)
        }
        if let batch = env["USERLLM_ENCODER_BENCH_BATCH"].flatMap(Int.init) { config.batchSize = batch }
        if let lr = env["USERLLM_ENCODER_BENCH_LR"].flatMap(Float.init) { config.learningRate = lr }
        let trainer = EncoderPretrainer(encoder: UserEncoder(config: .small, vocabularies: vocab, seed: 1),
                                        heads: EncoderHeads(config: .small, vocabularies: vocab, seed: 2),
                                        builder: data.builder, features: data.features, config: config)
        print("windows \(trainer.windows.count), parameters \(trainer.encoder.parameterCount + trainer.heads.parameterCount)")
        let start = Date(), cpuStart = Self.cpuSeconds()
        var last: EncoderPretrainingProgress?
        trainer.run(progress: { p in
            last = p
            if p.step % 25 == 0 {
                print(String(format: "step %d/%d loss %.3f (item %.3f cat %.3f rating %.3f) %.0f events/s %.1f windows/s",
                             p.step, p.totalSteps, p.loss.total, p.loss.item, p.loss.category, p.loss.rating,
                             p.eventsPerSecond, p.examplesPerSecond))
            }
        }, shouldStop: { Date().timeIntervalSince(start) > budget })
        let p = try XCTUnwrap(last)
        let cpu = Self.cpuSeconds() - cpuStart
        print(String(format: "pretraining: %d steps in %.1f s (%.1f CPU s), %.0f events/s, %.1f windows/s, %.0f events per CPU-second",
                     p.step, p.elapsedSeconds, cpu, p.eventsPerSecond, p.examplesPerSecond,
                     p.eventsPerSecond * p.elapsedSeconds / cpu))
        print("config \(config)")
        let t0 = Date()
        let recommender = EncoderRecommender(encoder: trainer.encoder, heads: trainer.heads, features: data.features)
        let results = BaselineResults.evaluate(builder: data.builder, encoder: recommender)
        let enc = try XCTUnwrap(results.encoder), pop = results.mostPopular
        print(String(format: "evaluation of %d users in %.2f s", enc.users, Date().timeIntervalSince(t0)))
        for (name, m) in [("encoder", enc), ("most-popular", pop)] {
            print(String(format: "%@: Recall@1 %.4f Recall@5 %.4f Recall@10 %.4f NDCG@10 %.4f", name,
                         m.recall(at: 1), m.recall(at: 5), m.recall(at: 10), m.ndcg(at: 10)))
        }
    }

    /// User + system CPU time of this process (both cores count), to read throughput on a
    /// machine shared with other jobs.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }
}
