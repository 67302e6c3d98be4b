import Foundation
import NN
import Tensor
import UserLLM
import XCTest

/// The SASRec-style options of the encoder (issue 13): the item head tied to the input item
/// table, dropout on the residual branches, the weight of the auxiliary losses, and their
/// config keys.
final class EncoderRecipeTests: XCTestCase {
    /// (B, M, C) = (2, 4, 3) inputs and their next-event targets (row 1: 2 events, then PAD).
    private func batchWithTargets() -> EventBatch {
        let inputs = EventBatch.Features(
            itemIDs: [2, 5, 3, 2, 4, 6, 0, 0],
            categoryIDs: [2, 3, 0, 4, 0, 0, 0, 0, 0, 2, 2, 4, 3, 0, 0, 5, 4, 2, 0, 0, 0, 0, 0, 0],
            categoryCounts: [2, 1, 0, 3, 1, 3, 0, 0],
            ratingIDs: [2, 3, 4, 2, 3, 0, 0, 0])
        let targets = EventBatch.Features(
            itemIDs: [5, 3, 2, 6, 6, 0, 0, 0],
            categoryIDs: [4, 0, 0, 0, 0, 0, 0, 2, 2, 0, 0, 0, 5, 4, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            categoryCounts: [1, 0, 2, 0, 3, 0, 0, 0],
            ratingIDs: [3, 4, 2, 0, 0, 0, 0, 0])
        return EventBatch(inputs: inputs, targets: targets, lengths: [4, 2], length: 4, maxCategories: 3)
    }

    /// Micro shape with itemDim == dModel (tying needs it), large init for finite differences.
    private func config(tied: Bool = false, residualDropout: Float = 0) -> EncoderConfig {
        var c = EncoderTestData.micro
        c.itemDim = c.dModel
        c.initStd = 0.3
        c.tiedItemHead = tied
        c.residualDropout = residualDropout
        return c
    }

    private func model(_ c: EncoderConfig, seed: UInt64 = 11) -> (UserEncoder, EncoderHeads) {
        var gen = SeededGenerator(seed: seed)
        let encoder = UserEncoder(config: c, itemCount: 7, categoryCount: 6, ratingCount: 5, generator: &gen)
        let heads = EncoderHeads(config: c, itemCount: 7, categoryCount: 6, ratingCount: 5,
                                 itemTable: c.tiedItemHead ? encoder.itemEmbedding.item.weight : nil, generator: &gen)
        return (encoder, heads)
    }

    func testTiedItemHeadScoresWithTheInputItemTable() {
        let (encoder, heads) = model(config(tied: true))
        let table = encoder.itemEmbedding.item.weight
        XCTAssertTrue(heads.item.weight === table, "the tied head must share the encoder's item table, not copy it")
        // The heads own the bias only; the table is listed once, by the encoder.
        XCTAssertEqual(heads.parameters().map(\.0), ["item.bias", "category.weight", "category.bias", "rating.weight", "rating.bias"])
        let batch = batchWithTargets()
        let h = Autograd.noGrad { encoder(batch) }  // (B, M, d)
        heads.item.bias!.pointer[3] = 0.7
        let logits = Autograd.noGrad { heads(h).item }  // (B, M, V)
        let d = encoder.config.dModel, v = 7
        for row in 0..<8 {
            for item in 0..<v {
                var want: Float = item == 3 ? 0.7 : 0
                for j in 0..<d { want += h.pointer[row * d + j] * table.pointer[item * d + j] }
                XCTAssertEqual(logits.pointer[row * v + item], want, accuracy: 1e-4)
            }
        }
    }

    /// The table gets gradient from both of its uses (input lookup and output scores).
    func testTiedHeadAndLossGradientCheck() {
        let (encoder, heads) = model(config(tied: true))
        let batch = batchWithTargets()
        let params = (encoder.parameters() + heads.parameters()).map(\.1)
        let bad = GradientCheck.mismatches(params, eps: 1e-2, atol: 3e-3, rtol: 3e-2) { _ in
            EncoderLoss.nextEvent(heads(encoder(batch)), targets: batch.targets!, maxCategories: 3).total
        }
        XCTAssertEqual(bad.count, 0, "\(bad.prefix(5))")
    }

    func testResidualDropoutOnlyWhileTraining() {
        let batch = batchWithTargets()
        let (plain, _) = model(config(residualDropout: 0))
        let (dropped, _) = model(config(residualDropout: 0.5))
        // Evaluation: no dropout, the same function as the plain encoder.
        let a = Autograd.noGrad { plain(batch) }, b = Autograd.noGrad { dropped(batch) }
        for i in 0..<a.count { XCTAssertEqual(a.pointer[i], b.pointer[i], accuracy: 1e-6) }
        // Finetuning (training, not pretraining): only `dropout`, 0 here, so no change.
        dropped.isTraining = true
        let f = Autograd.noGrad { dropped(batch) }
        for i in 0..<a.count { XCTAssertEqual(a.pointer[i], f.pointer[i], accuracy: 1e-6) }
        // Pretraining: the branches are dropped, so the output changes; the seed replays it.
        dropped.isPretraining = true
        dropped.dropoutGenerator = SeededGenerator(seed: 5)
        let t1 = Autograd.noGrad { dropped(batch) }
        dropped.dropoutGenerator = SeededGenerator(seed: 5)
        let t2 = Autograd.noGrad { dropped(batch) }
        XCTAssertEqual(t1.scalars, t2.scalars)
        XCTAssertGreaterThan(zip(t1.scalars, a.scalars).map { abs($0 - $1) }.max()!, 1e-3)
        // Plain input dropout is 0 in the micro config: the difference is the residual dropout's.
        XCTAssertEqual(dropped.config.dropout, 0)
    }

    /// Input dropout: `pretrainingDropout` while pretraining, `dropout` while finetuning.
    func testPretrainingAndFinetuningInputDropoutRates() {
        var c = config()
        c.dropout = 0
        c.pretrainingDropout = 0.5
        let batch = batchWithTargets()
        let (encoder, _) = model(c)
        let eval = Autograd.noGrad { encoder(batch) }
        encoder.isTraining = true
        let finetuning = Autograd.noGrad { encoder(batch) }
        XCTAssertEqual(eval.scalars, finetuning.scalars)
        encoder.isPretraining = true
        let pretraining = Autograd.noGrad { encoder(batch) }
        XCTAssertGreaterThan(zip(eval.scalars, pretraining.scalars).map { abs($0 - $1) }.max()!, 1e-3)
    }

    /// With the masks fixed (the generator reset before each forward), the encoder with
    /// residual dropout is differentiable and its gradient matches finite differences.
    func testResidualDropoutGradientCheck() {
        let (encoder, _) = model(config(residualDropout: 0.3))
        encoder.isTraining = true
        encoder.isPretraining = true
        let batch = batchWithTargets()
        let bad = GradientCheck.mismatches(encoder.parameters().map(\.1), eps: 1e-2, atol: 3e-3, rtol: 3e-2) { _ in
            encoder.dropoutGenerator = SeededGenerator(seed: 9)
            return encoder(batch)
        }
        XCTAssertEqual(bad.count, 0, "\(bad.prefix(5))")
    }

    func testAuxiliaryLossWeight() {
        let (encoder, heads) = model(config())
        let batch = batchWithTargets()
        let logits = Autograd.noGrad { heads(encoder(batch)) }
        let mean = EncoderLoss.nextEvent(logits, targets: batch.targets!, maxCategories: 3).values
        XCTAssertEqual(mean.total, (mean.item + mean.category + mean.rating) / 3, accuracy: 1e-5)
        let itemOnly = EncoderLoss.nextEvent(logits, targets: batch.targets!, maxCategories: 3, auxiliaryWeight: 0).values
        XCTAssertEqual(itemOnly.total, itemOnly.item, accuracy: 1e-6)
        let half = EncoderLoss.nextEvent(logits, targets: batch.targets!, maxCategories: 3, auxiliaryWeight: 0.5).values
        XCTAssertEqual(half.total, (half.item + 0.5 * half.category + 0.5 * half.rating) / 2, accuracy: 1e-5)
    }

    func testRecipeKeysDecodeAndBadValuesAreRefused() throws {
        let json = #"{"tiedItemHead": true, "residualDropout": 0.5, "pretrainingDropout": 0.5, "pretrainingStride": 10, "auxiliaryLossWeight": 0}"#
        let c = try JSONDecoder().decode(EncoderConfig.self, from: Data(json.utf8))
        XCTAssertEqual(c.tiedItemHead, true)
        XCTAssertEqual(c.residualDropout, 0.5)
        XCTAssertEqual(c.pretrainingDropout, 0.5)
        XCTAssertEqual(c.dropout, EncoderConfig().dropout, "finetuning's input dropout keeps its default")
        XCTAssertEqual(c.pretrainingStride, 10)
        XCTAssertEqual(c.auxiliaryLossWeight, 0)
        XCTAssertEqual(try JSONDecoder().decode(EncoderConfig.self, from: JSONEncoder().encode(c)), c)
        // Defaults keep the shipped behaviour.
        let d = EncoderConfig()
        XCTAssertEqual([d.residualDropout, d.auxiliaryLossWeight], [0, 1])
        XCTAssertFalse(d.tiedItemHead)
        XCTAssertNil(d.pretrainingStride)
        XCTAssertNil(d.pretrainingDropout)
        // Nonsense values are refused with the rest of a preset, naming the key.
        let tiny = PipelineFixture.packageRoot.appendingPathComponent("Assets/presets/tiny.json")
        let cases: [(String, Any, String)] = [("tiedItemHead", true, "encoder.itemDim"),  // with itemDim 16 ≠ dModel 32
                                              ("residualDropout", 1, "encoder.residualDropout"),
                                              ("pretrainingDropout", 1.5, "encoder.pretrainingDropout"),
                                              ("pretrainingStride", 0, "encoder.pretrainingStride"),
                                              ("auxiliaryLossWeight", -1, "encoder.auxiliaryLossWeight")]
        for (name, value, key) in cases {
            var object = try JSONSerialization.jsonObject(with: Data(contentsOf: tiny)) as! [String: Any]
            var encoder = object["encoder"] as! [String: Any]
            encoder[name] = value
            if name == "tiedItemHead" { encoder["itemDim"] = 16 }
            object["encoder"] = encoder
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("preset-\(UUID().uuidString).json")
            try JSONSerialization.data(withJSONObject: object).write(to: url)
            defer { try? FileManager.default.removeItem(at: url) }
            XCTAssertThrowsError(try Preset.load(from: url), name) { error in
                XCTAssertEqual((error as? ConfigError)?.key, key, "\(error)")
            }
        }
    }
}
