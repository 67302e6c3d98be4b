import NN
import Tensor
import UserLLM
import XCTest

/// The tape-free decoder against the training path's forward.
final class InferenceTests: XCTestCase {
    private func maxRelativeError(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
    }

    /// Prefill (batch 1), expand to 3 rows, reorder and step: every row's logits equal the
    /// full forward of its own sequence at its last position, to 1e-5.
    func testBatchedBeamDecodingEqualsTheTrainingForward() {
        for crossAttention in [true, false] {
            let model = InferenceFixtures.model(crossAttention: crossAttention, seed: 1)
            let prompt = InferenceFixtures.prompt(model, tokens: [0, 5, 7, 2], seed: 2)
            let v = model.config.vocabSize
            let decoder = IncrementalDecoder(model: model)
            decoder.start(capacity: 20, user: prompt.user, userLength: prompt.userLength)
            let first = decoder.prefill(tokens: prompt.tokens, prefix: prompt.prefix, prefixLength: prompt.prefixLength)
            XCTAssertEqual(first.shape, [1, v])
            let reference = InferenceFixtures.logProbs(model, prompt, continuation: [])
            // Compare raw logits: take the full forward's logits directly.
            func fullLogits(_ continuation: [Int32]) -> [Float] {
                let tokens = prompt.tokens + continuation
                let all = Autograd.noGrad {
                    model(tokens: tokens, batch: 1, prefix: prompt.prefix, prefixLengths: [2],
                          user: prompt.user, userLengths: prompt.userLength.map { [$0] })
                }
                return Array(all.scalars[((tokens.count - 1) * v)..<(tokens.count * v)])
            }
            XCTAssertLessThan(maxRelativeError(first.scalars, fullLogits([])), 1e-5)
            XCTAssertEqual(reference.count, 4)

            decoder.expand(to: 3)
            var histories: [[Int32]] = [[], [], []]
            let plan: [(sources: [Int], tokens: [Int32])] = [
                ([0, 0, 0], [3, 4, 9]), ([2, 0, 0], [1, 1, 6]), ([1, 2, 1], [8, 12, 0]), ([0, 0, 2], [2, 3, 4]),
            ]
            for (sources, tokens) in plan {
                decoder.reorder(sources)
                histories = sources.map { histories[$0] }
                for r in 0..<3 { histories[r].append(tokens[r]) }
                let logits = decoder.step(tokens)
                XCTAssertEqual(logits.shape, [3, v])
                for r in 0..<3 {
                    let row = Array(logits.scalars[(r * v)..<((r + 1) * v)])
                    XCTAssertLessThan(maxRelativeError(row, fullLogits(histories[r])), 1e-5,
                                      "xattn \(crossAttention) row \(r) after \(histories[r])")
                }
            }
            XCTAssertEqual(decoder.length, 3 + 4 + 4)
        }
    }

    /// The decoder keeps its caches across prompts: a second, shorter prompt decodes
    /// exactly as on a fresh decoder (nothing of the first leaks through).
    func testReusedDecoderForgetsThePreviousPrompt() {
        let model = InferenceFixtures.model(seed: 3)
        let a = InferenceFixtures.prompt(model, tokens: [1, 2, 3, 4, 5, 6], seed: 4)
        let b = InferenceFixtures.prompt(model, tokens: [7, 8], seed: 5)
        let reused = IncrementalDecoder(model: model)
        reused.start(capacity: 16, user: a.user, userLength: a.userLength)
        _ = reused.prefill(tokens: a.tokens, prefix: a.prefix, prefixLength: a.prefixLength)
        reused.expand(to: 2)
        _ = reused.step([9, 10])
        reused.start(capacity: 12, user: b.user, userLength: b.userLength)
        let again = reused.prefill(tokens: b.tokens, prefix: b.prefix, prefixLength: b.prefixLength).scalars
        let fresh = IncrementalDecoder(model: model)
        fresh.start(capacity: 12, user: b.user, userLength: b.userLength)
        XCTAssertEqual(again, fresh.prefill(tokens: b.tokens, prefix: b.prefix, prefixLength: b.prefixLength).scalars)
        reused.expand(to: 2)
        fresh.expand(to: 2)
        XCTAssertEqual(reused.step([1, 2]).scalars, fresh.step([1, 2]).scalars)
    }

    /// The decoder's FLOPs are the analytic counts of what it ran: the context projection
    /// once, the prefill with the head on one row, then K-row steps over a growing cache.
    func testDecoderCountsItsFLOPs() {
        let model = InferenceFixtures.model(seed: 6)
        let c = model.config
        let prompt = InferenceFixtures.prompt(model, tokens: [1, 2, 3], seed: 7)
        let decoder = IncrementalDecoder(model: model)
        decoder.start(capacity: 10, user: prompt.user, userLength: prompt.userLength)
        _ = decoder.prefill(tokens: prompt.tokens, prefix: prompt.prefix, prefixLength: prompt.prefixLength)
        decoder.expand(to: 4)
        _ = decoder.step([1, 1, 1, 1])
        _ = decoder.step([2, 2, 2, 2])
        // All 5 user rows are projected; only the 4 real ones are attended to.
        let expected = FLOPs.crossAttentionContext(c, userRows: 5)
            + FLOPs.languageModel(c, batch: 1, newTokens: 6, userRows: 4, logitsRows: 1)
            + FLOPs.languageModel(c, batch: 4, newTokens: 1, pastTokens: 6, userRows: 4, logitsRows: 4)
            + FLOPs.languageModel(c, batch: 4, newTokens: 1, pastTokens: 7, userRows: 4, logitsRows: 4)
        XCTAssertEqual(decoder.flops, expected)
    }
}
