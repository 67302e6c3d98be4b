import Foundation
import NN
import Tensor
import UserLLM
import XCTest

/// Answering on the tile unit (`LanguageModel.packForInference`): prefill and beam passes
/// read the packed weights — backbone, cross-attention and tied head — and, in bf16x3, give
/// the f32 training forward's logits to 1e-3; a step still allocates nothing. Skipped without AMX.
final class PackedDecodingTests: XCTestCase {
    /// Shapes the tile kernel packs (16-row blocks, 32-column chunks), with cross-attention,
    /// weights as `InferenceFixtures.model` sets them.
    private func model(seed: UInt64) -> LanguageModel {
        let config = LanguageModelConfig(vocabSize: 96, dModel: 64, layers: 2, heads: 4, mlpHidden: 96, contextLength: 64,
                                         crossAttention: true)
        return InferenceFixtures.sharpened(LanguageModel(config: config, seed: seed), seed: seed)
    }

    /// The largest error, relative to max(1, |reference|), of the decoder's logits after a
    /// prefill and one pass feeding rows 2, 1 and 3 tokens, against the f32 full forward.
    private func worstError(_ model: LanguageModel, reference: LanguageModel, prompt: GenerationPrompt) -> Float {
        let v = model.config.vocabSize
        let decoder = IncrementalDecoder(model: model)
        decoder.start(capacity: 16, user: prompt.user, userLength: prompt.userLength)
        decoder.reserve(rows: 3)
        let first = decoder.prefill(tokens: prompt.tokens, prefix: prompt.prefix, prefixLength: prompt.prefixLength)
        var worst = relativeError(first.scalars, fullLogits(reference, prompt, []), of: v)
        decoder.expand(to: 3)
        let feeds: [[Int32]] = [[3, 8], [5], [12, 2, 7]]
        let logits = decoder.step(feeds.flatMap { $0 }, counts: feeds.map(\.count))
        var position = 0
        for feed in feeds {
            for j in feed.indices {
                let row = Array(logits.scalars[(position * v)..<((position + 1) * v)])
                worst = max(worst, relativeError(row, fullLogits(reference, prompt, Array(feed[...j])), of: v))
                position += 1
            }
        }
        return worst
    }

    private func relativeError(_ a: [Float], _ b: [Float], of count: Int) -> Float {
        (0..<count).map { abs(a[$0] - b[$0]) / max(1, abs(b[$0])) }.max() ?? 0
    }

    private func fullLogits(_ model: LanguageModel, _ prompt: GenerationPrompt, _ continuation: [Int32]) -> [Float] {
        InferenceFixtures.lastLogits(model, prompt, continuation)
    }

    func testPackedDecodingEqualsTheFloatForward() throws {
        try XCTSkipUnless(TileMatrix.available, "this CPU has no AMX-BF16 tile unit")
        let reference = model(seed: 91), packed = model(seed: 91)
        let prompt = InferenceFixtures.prompt(reference, tokens: [4, 1, 9], seed: 92)
        // 2 layers × (7 backbone + 4 cross-attention projections) + the tied head.
        XCTAssertEqual(packed.packForInference(.bf16x3), 23)
        // Head and tail, 2 bytes each, of 96·64 + 2 · (8 · 64·64 + 3 · 96·64) weights.
        XCTAssertEqual(packed.packedBytes, 4 * (96 * 64 + 2 * (8 * 64 * 64 + 3 * 96 * 64)))
        let split = worstError(packed, reference: reference, prompt: prompt)
        // Weights N(0, 0.3²) make sharp logits, and the ~1e-5 of each product compounds
        // over the layers; f32 itself agrees to 1e-5 (LiveRowsTests).
        XCTAssertLessThan(split, 1e-3)
        // The packed weights are what answered: plain bf16 moves the logits by far more.
        packed.packForInference(.bf16)
        let plain = worstError(packed, reference: reference, prompt: prompt)
        XCTAssertGreaterThan(plain, 20 * split)
        XCTAssertLessThan(plain, 1)
        packed.packForInference(nil)
        XCTAssertEqual(packed.packedBytes, 0)
        XCTAssertEqual(worstError(packed, reference: reference, prompt: prompt), 0, accuracy: 1e-5)
    }

    func testPackedStepsAllocateNothingAfterWarmUp() throws {
        try XCTSkipUnless(TileMatrix.available, "this CPU has no AMX-BF16 tile unit")
        guard AllocationCounter.isAvailable else { throw XCTSkip("this Swift runtime has no allocation hook") }
        let model = model(seed: 93)
        model.packForInference(.bf16x3)
        let prompt = InferenceFixtures.prompt(model, tokens: [1, 2, 3, 4], seed: 94)
        let decoder = IncrementalDecoder(model: model)
        let plan: [(sources: [Int], tokens: [Int32])] = [([0, 0, 0, 0], [3, 4, 9, 1]), ([3, 1, 0], [2, 6, 1]), ([1], [9])]
        _ = InferenceFixtures.stepAllocations(decoder, prompt, plan, capacity: 24)
        XCTAssertEqual(InferenceFixtures.stepAllocations(decoder, prompt, plan, capacity: 24), 0,
                       "heap allocations over \(plan.count) packed decoding steps")
    }

    /// Packed products count their multiply-adds like the f32 ones (FLOPCountingTests holds
    /// the analytic figures to the f32 count): the same pass counts the same.
    func testPackedProductsCountTheSameFLOPs() throws {
        try XCTSkipUnless(TileMatrix.available, "this CPU has no AMX-BF16 tile unit")
        let model = model(seed: 95)
        let prompt = InferenceFixtures.prompt(model, tokens: [2, 6, 1], seed: 96)
        func counted() -> FLOPCounter.Counts {
            FLOPCounter.counting {
                let decoder = IncrementalDecoder(model: model)
                decoder.start(capacity: 12, user: prompt.user, userLength: prompt.userLength)
                decoder.reserve(rows: 2)
                _ = decoder.prefill(tokens: prompt.tokens, prefix: prompt.prefix, prefixLength: prompt.prefixLength)
                decoder.expand(to: 2)
                _ = decoder.step([3, 3, 5], counts: [2, 1])
            }.counts
        }
        let dense = counted()
        XCTAssertEqual(model.packForInference(.bf16x3), 23)
        XCTAssertEqual(counted(), dense)
        XCTAssertGreaterThan(dense.matmul, 0)
    }
}
