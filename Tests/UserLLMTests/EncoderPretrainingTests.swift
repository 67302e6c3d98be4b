import Foundation
import NN
import Tensor
import Timelines
import UserLLM
import XCTest

final class EncoderPretrainingTests: XCTestCase {
    /// Real data, the tiny encoder, a few seconds: every feature's loss falls.
    func testLossesFallOnRealData() throws {
        let data = try EncoderTestData.movieLens100K()
        let vocab = data.features.vocabularies
        let encoder = UserEncoder(config: .tiny, vocabularies: vocab, seed: 1)
        let heads = EncoderHeads(config: .tiny, vocabularies: vocab, seed: 2)
        let config = EncoderPretrainingConfig(steps: 40, batchSize: 16, windowLength: 20, learningRate: 3e-3,
                                              warmupSteps: 5)
        let trainer = EncoderPretrainer(encoder: encoder, heads: heads, builder: data.builder, features: data.features,
                                        config: config)
        // A fixed held-out set of training windows measures the model before and after.
        let probe = Array(trainer.windows.suffix(64))
        let before = trainer.evaluate(probe)
        var reported: [Int] = []
        let history = trainer.run(progress: { p in
            reported.append(p.step)
            XCTAssertGreaterThan(p.eventsPerSecond, 0)
            XCTAssertEqual(p.totalSteps, 40)
        })
        let after = trainer.evaluate(probe)
        XCTAssertEqual(history.count, 40)
        XCTAssertEqual(reported, Array(1...40))
        // Uniform guesses: ln(1684) ≈ 7.43 for items; training must beat where it started.
        XCTAssertEqual(before.item, log(Float(vocab.item.count)), accuracy: 0.1)
        XCTAssertLessThan(after.item, before.item - 0.5, "item loss \(before.item) → \(after.item)")
        XCTAssertLessThan(after.category, before.category - 0.2, "category loss \(before.category) → \(after.category)")
        XCTAssertLessThan(after.rating, before.rating - 0.2, "rating loss \(before.rating) → \(after.rating)")
        XCTAssertLessThan(after.total, before.total)
        XCTAssertTrue(history.allSatisfy { $0.total.isFinite })
    }

    /// A handful of users, memorised: the item head's top-1 after each training window is
    /// the event that followed it.
    func testOverfitsAHandfulOfUsers() throws {
        let data = try EncoderTestData.movieLens100K()
        let vocab = data.features.vocabularies
        var config = EncoderConfig.tiny
        config.dropout = 0
        let encoder = UserEncoder(config: config, vocabularies: vocab, seed: 3)
        let heads = EncoderHeads(config: config, vocabularies: vocab, seed: 4)
        let all = EventWindow.pretraining(split: data.builder.split, length: 10, stride: 10)
        let windows = Array(all.filter { $0.user < 4 }.prefix(12))
        XCTAssertGreaterThanOrEqual(windows.count, 8)
        let trainer = EncoderPretrainer(encoder: encoder, heads: heads, builder: data.builder, features: data.features,
                                        config: EncoderPretrainingConfig(steps: 150, batchSize: windows.count,
                                                                         windowLength: 10, learningRate: 1e-2,
                                                                         warmupSteps: 10, weightDecay: 0),
                                        windows: windows)
        trainer.run()
        let batch = EventBatch(windows: windows, timelines: data.builder.timelines, features: data.features,
                               withTargets: true)
        let predicted = Autograd.noGrad { heads.item(UserEncoder.lastStates(encoder(batch), lengths: batch.lengths)).argmax() }
        let targets = try XCTUnwrap(batch.targets)
        for (b, n) in batch.lengths.enumerated() {
            XCTAssertEqual(predicted[b], targets.itemIDs[b * batch.length + n - 1], "window \(b)")
        }
    }

    /// Save through Module.parameters() and load into a fresh model: the same outputs.
    func testParametersReloadIntoAFreshEncoder() throws {
        let data = try EncoderTestData.movieLens100K()
        let vocab = data.features.vocabularies
        let encoder = UserEncoder(config: .tiny, vocabularies: vocab, seed: 5)
        let heads = EncoderHeads(config: .tiny, vocabularies: vocab, seed: 6)
        let trainer = EncoderPretrainer(encoder: encoder, heads: heads, builder: data.builder, features: data.features,
                                        config: EncoderPretrainingConfig(steps: 3, batchSize: 8, windowLength: 20))
        trainer.run()
        let saved = Dictionary(uniqueKeysWithValues: encoder.parameters().map { ($0.0, $0.1.copy()) })
        let fresh = UserEncoder(config: .tiny, vocabularies: vocab, seed: 99)
        try fresh.loadParameters(saved)
        let examples = Array(data.builder.examples(.nextItem, .test).prefix(4))
        let batch = EventBatch(examples: examples, builder: data.builder, features: data.features)
        let (a, b) = Autograd.noGrad { (encoder(batch), fresh(batch)) }
        XCTAssertEqual(a.scalars, b.scalars)
        XCTAssertTrue(saved.keys.contains("item_emb.category.weight"))
        XCTAssertTrue(saved.keys.contains("blocks.0.attn.wq.weight"))
    }

    /// Resuming at step k replays the same batches as an uninterrupted run.
    func testResumeSeesTheSameBatches() throws {
        let data = try EncoderTestData.movieLens100K()
        let vocab = data.features.vocabularies
        let config = EncoderPretrainingConfig(steps: 200, batchSize: 256, windowLength: 20)
        func trainer() -> EncoderPretrainer {
            EncoderPretrainer(encoder: UserEncoder(config: .tiny, vocabularies: vocab, seed: 1),
                              heads: EncoderHeads(config: .tiny, vocabularies: vocab, seed: 2),
                              builder: data.builder, features: data.features, config: config)
        }
        let straight = trainer()
        var windows: [[EventWindow]] = []
        let perEpoch = (straight.windows.count + 255) / 256
        for _ in 0..<(perEpoch + 3) { windows.append(straight.nextBatch().windows) }
        let resumed = EncoderPretrainer(encoder: UserEncoder(config: .tiny, vocabularies: vocab, seed: 1),
                                        heads: EncoderHeads(config: .tiny, vocabularies: vocab, seed: 2),
                                        builder: data.builder, features: data.features, config: config,
                                        startStep: perEpoch + 1)
        XCTAssertEqual(resumed.nextBatch().windows, windows[perEpoch + 1])
        XCTAssertNotEqual(windows[0], windows[perEpoch], "each epoch reshuffles")
    }
}
