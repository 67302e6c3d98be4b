import Foundation
import NN
import Tensor
import Timelines
import UserLLM
import XCTest

final class EncoderTests: XCTestCase {
    /// (B, M, C) = (2, 4, 3): row 0 has 4 events, row 1 has 2 then padding; categories with
    /// PAD gaps, a repeated id, and an uncategorised event.
    private func syntheticBatch() -> EventBatch {
        let features = EventBatch.Features(
            itemIDs: [2, 5, 3, 2, 4, 6, 0, 0],
            categoryIDs: [2, 3, 0, 4, 0, 0, 0, 0, 0, 2, 2, 4, 3, 0, 0, 5, 4, 2, 0, 0, 0, 0, 0, 0],
            categoryCounts: [2, 1, 0, 3, 1, 3, 0, 0],
            ratingIDs: [2, 3, 4, 2, 3, 0, 0, 0])
        return EventBatch(inputs: features, lengths: [4, 2], length: 4, maxCategories: 3)
    }

    private func microEncoder(seed: UInt64 = 3) -> UserEncoder {
        var gen = SeededGenerator(seed: seed)
        // Larger init than 0.02 so the finite differences see every path clearly.
        var config = EncoderTestData.micro
        config.initStd = 0.3
        return UserEncoder(config: config, itemCount: 7, categoryCount: 6, ratingCount: 5, generator: &gen)
    }

    func testMeanEmbeddingValuesByHand() {
        let table = Tensor(shape: [4, 2], values: [0, 0, 1, 2, 3, 4, 5, 6])
        // Groups: {1, 2}, {PAD, 3, PAD}, {PAD, PAD, PAD}, {1, 1, 3}.
        let out = ItemEmbedding.meanEmbedding(table, ids: [1, 2, 0, 0, 3, 0, 0, 0, 0, 1, 1, 3], slots: 3, shape: [4])
        XCTAssertEqual(out.shape, [4, 2])
        // Group 0 has ids {1, 2, PAD}: slots are 3, listed as [1, 2, 0].
        for (got, want) in zip(out.scalars, [2, 3, 5, 6, 0, 0, 7.0 / 3, 10.0 / 3] as [Float]) {
            XCTAssertEqual(got, want, accuracy: 1e-6)
        }
    }

    func testMeanEmbeddingGradientCheck() {
        var gen = SeededGenerator(seed: 1)
        let table = Tensor.randn([5, 3], generator: &gen, requiresGrad: true)
        let ids: [Int32] = [1, 2, 0, 0, 3, 3, 0, 0, 0, 4, 1, 2]
        let bad = GradientCheck.mismatches([table]) { t in
            ItemEmbedding.meanEmbedding(t[0], ids: ids, slots: 3, shape: [2, 2])
        }
        XCTAssertEqual(bad.count, 0, "\(bad.prefix(5))")
        // PAD's row is never used: its gradient is exactly zero.
        XCTAssertEqual(Array(table.grad!.scalars[0..<3]), [0, 0, 0])
    }

    func testItemEmbeddingGradientCheck() {
        var gen = SeededGenerator(seed: 2)
        var config = EncoderTestData.micro
        config.initStd = 0.5
        let embedding = ItemEmbedding(config: config, itemCount: 7, categoryCount: 6, ratingCount: 5, generator: &gen)
        let batch = syntheticBatch()
        let params = embedding.parameters().map(\.1)
        let bad = GradientCheck.mismatches(params) { _ in embedding(batch.inputs, batch: 2, length: 4) }
        XCTAssertEqual(bad.count, 0, "\(bad.prefix(5))")
        XCTAssertEqual(embedding(batch.inputs, batch: 2, length: 4).shape, [2, 4, 8])
    }

    func testOneLayerUserEncoderGradientCheck() {
        let encoder = microEncoder()
        let batch = syntheticBatch()
        let bad = GradientCheck.mismatches(encoder.parameters().map(\.1), eps: 1e-2, atol: 3e-3, rtol: 3e-2) { _ in
            encoder(batch)
        }
        XCTAssertEqual(bad.count, 0, "\(bad.prefix(5))")
    }

    func testHeadsAndLossGradientCheck() {
        var gen = SeededGenerator(seed: 4)
        var config = EncoderTestData.micro
        config.initStd = 0.3
        let encoder = UserEncoder(config: config, itemCount: 7, categoryCount: 6, ratingCount: 5, generator: &gen)
        let heads = EncoderHeads(config: config, itemCount: 7, categoryCount: 6, ratingCount: 5, generator: &gen)
        let base = syntheticBatch()
        // Targets: the inputs shifted left by one, PAD after each row's end.
        let targets = EventBatch.Features(
            itemIDs: [5, 3, 2, 6, 6, 0, 0, 0],
            categoryIDs: [4, 0, 0, 0, 0, 0, 0, 2, 2, 0, 0, 0, 5, 4, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            categoryCounts: [1, 0, 2, 0, 3, 0, 0, 0],
            ratingIDs: [3, 4, 2, 0, 0, 0, 0, 0])
        let batch = EventBatch(inputs: base.inputs, targets: targets, lengths: [4, 2], length: 4, maxCategories: 3)
        let params = (encoder.parameters() + heads.parameters()).map(\.1)
        let bad = GradientCheck.mismatches(params, eps: 1e-2, atol: 3e-3, rtol: 3e-2) { _ in
            EncoderLoss.nextEvent(heads(encoder(batch)), targets: targets, maxCategories: 3).total
        }
        XCTAssertEqual(bad.count, 0, "\(bad.prefix(5))")
        // The total is the mean of the three feature losses.
        let v = EncoderLoss.nextEvent(heads(encoder(batch)), targets: targets, maxCategories: 3).values
        XCTAssertEqual(v.total, (v.item + v.category + v.rating) / 3, accuracy: 1e-5)
    }

    /// Changing event t+1 (every feature) leaves outputs 0…t unchanged and changes t+1.
    func testCausality() throws {
        let data = try EncoderTestData.movieLens100K()
        let encoder = UserEncoder(config: .tiny, vocabularies: data.features.vocabularies, seed: 5)
        let examples = Array(data.builder.examples(.nextItem, .test).prefix(3))
        let batch = EventBatch(examples: examples, builder: data.builder, features: data.features)
        let before = Autograd.noGrad { encoder(batch) }
        let (m, d, c) = (batch.length, encoder.config.dModel, batch.maxCategories)
        for t in [0, 10, 30] {
            var changed = batch.inputs
            for b in 0..<3 {
                let slot = b * m + t + 1
                changed.itemIDs[slot] = changed.itemIDs[slot] == 7 ? 8 : 7
                changed.ratingIDs[slot] = changed.ratingIDs[slot] == 2 ? 3 : 2
                changed.categoryIDs[slot * c] = changed.categoryIDs[slot * c] == 2 ? 3 : 2
            }
            let after = Autograd.noGrad {
                encoder(EventBatch(inputs: changed, lengths: batch.lengths, length: m, maxCategories: c))
            }
            for b in 0..<3 {
                for pos in 0...t {
                    for j in 0..<d { XCTAssertEqual(before.pointer[(b * m + pos) * d + j], after.pointer[(b * m + pos) * d + j]) }
                }
                let next = (0..<d).map { abs(before.pointer[(b * m + t + 1) * d + $0] - after.pointer[(b * m + t + 1) * d + $0]) }
                XCTAssertGreaterThan(next.max()!, 1e-4, "event t+1 must change its own output")
            }
        }
    }

    /// Real rows do not depend on how much padding follows them.
    func testPaddingDoesNotChangeRealRows() throws {
        let data = try EncoderTestData.movieLens100K()
        let encoder = UserEncoder(config: .tiny, vocabularies: data.features.vocabularies, seed: 6)
        let windows = [EventWindow(user: 0, start: 0, end: 7), EventWindow(user: 1, start: 2, end: 20)]
        let tight = Autograd.noGrad { encoder(EventBatch(windows: windows, timelines: data.builder.timelines, features: data.features)) }
        let padded = Autograd.noGrad {
            encoder(EventBatch(windows: windows, timelines: data.builder.timelines, features: data.features, length: 40))
        }
        let d = encoder.config.dModel
        for (b, w) in windows.enumerated() {
            for pos in 0..<w.count {
                for j in 0..<d {
                    XCTAssertEqual(tight.pointer[(b * 18 + pos) * d + j], padded.pointer[(b * 40 + pos) * d + j], accuracy: 1e-5)
                }
            }
        }
    }

    func testBatchTargetsShiftByOneWithinTheTimeline() throws {
        let data = try EncoderTestData.movieLens100K()
        let examples = Array(data.builder.examples(.nextItem, .test).prefix(5))
        let batch = EventBatch(examples: examples, builder: data.builder, features: data.features, withTargets: true)
        let targets = try XCTUnwrap(batch.targets)
        let m = batch.length
        for (b, ex) in examples.enumerated() {
            let n = batch.lengths[b]
            XCTAssertEqual(n, ex.window.count)
            for i in 0..<(n - 1) { XCTAssertEqual(targets.itemIDs[b * m + i], batch.inputs.itemIDs[b * m + i + 1]) }
            // The last target is the example's target event, every feature of it.
            let event = data.dataset.events[Int(data.builder.targetEvent(ex))]
            let item = data.dataset.items[Int(event.item)]
            XCTAssertEqual(targets.itemIDs[b * m + n - 1], data.features.vocabularies.item.id(item.rawID))
            XCTAssertEqual(targets.ratingIDs[b * m + n - 1], data.features.vocabularies.ratingID(event.rating))
            let cats = Set(item.categories.map { data.features.vocabularies.category.id($0) })
            let k = Int(targets.categoryCounts[b * m + n - 1])
            XCTAssertEqual(Set(targets.categoryIDs[((b * m + n - 1) * batch.maxCategories)...].prefix(k)), cats)
            for i in n..<m { XCTAssertEqual(targets.itemIDs[b * m + i], Vocabulary.pad) }
        }
    }

    func testPretrainingWindowsStayInTheTrainingPart() throws {
        let data = try EncoderTestData.movieLens100K()
        let split = data.builder.split
        let windows = EventWindow.pretraining(split: split, length: 50)
        var targeted = 0
        for w in windows {
            // Targets are positions start+1 … end, all training events.
            XCTAssertLessThanOrEqual(w.end, split.trainingCount(w.user) - 1)
            XCTAssertLessThanOrEqual(w.count, 50)
            targeted += w.count
        }
        // Stride = length: every training event but each timeline's first is a target once.
        let expected = (0..<Int32(data.builder.timelines.count)).reduce(0) { $0 + max(0, split.trainingCount($1) - 1) }
        XCTAssertEqual(targeted, expected)
    }

    func testConfigJSONRoundTripAndDefaults() throws {
        let data = try JSONEncoder().encode(EncoderConfig.tiny)
        XCTAssertEqual(try JSONDecoder().decode(EncoderConfig.self, from: data), .tiny)
        let partial = try JSONDecoder().decode(EncoderConfig.self, from: Data(#"{"layers": 6, "heads": 8}"#.utf8))
        XCTAssertEqual(partial, EncoderConfig(layers: 6, heads: 8))
        let recipe = #"{"pretrainingDropout": 0.5, "residualDropout": 0.5, "tiedItemHead": true, "auxiliaryLossWeight": 0}"#
        XCTAssertEqual(try JSONDecoder().decode(EncoderConfig.self, from: Data(recipe.utf8)), .base)
        XCTAssertThrowsError(try JSONDecoder().decode(EncoderConfig.self, from: Data(#"{"dModel": 30, "heads": 4}"#.utf8)))
        XCTAssertEqual(EncoderConfig.tiny.dModel, 32)
        XCTAssertEqual(EncoderConfig.small.mlpHidden, 512)
    }
}
