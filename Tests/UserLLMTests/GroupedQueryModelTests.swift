import Foundation
import NN
import Tensor
import UserLLM
import XCTest

/// The language model with grouped-query attention and interleaved RoPE (the shape of a
/// GGUF Llama such as SmolLM2): gradients, both decoding paths against the training
/// forward, and the config's JSON.
final class GroupedQueryModelTests: XCTestCase {
    /// 4 heads over 2 key/value heads (or 1), interleaved RoPE, optional cross-attention.
    /// `every` > 1: three layers, cross-attention in layers 0 and 2 only (SmolLM2's every-k-th).
    private func model(kvHeads: Int, crossAttention: Bool, every: Int = 1, dModel: Int = 16, heads: Int = 4,
                       seed: UInt64) -> LanguageModel {
        let config = LanguageModelConfig(vocabSize: 13, dModel: dModel, layers: every > 1 ? 3 : 2, heads: heads, kvHeads: kvHeads,
                                         mlpHidden: 24, contextLength: 64, ropeStyle: .interleaved,
                                         crossAttention: crossAttention, crossAttentionEvery: every)
        return InferenceFixtures.sharpened(LanguageModel(config: config, seed: seed), seed: seed)
    }

    private func tensor(_ shape: [Int], seed: UInt64, requiresGrad: Bool = false) -> Tensor {
        var gen = SeededGenerator(seed: seed)
        return Tensor.randn(shape, std: 1, generator: &gen, requiresGrad: requiresGrad)
    }

    private func maxRelativeError(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
    }

    func testShapesOfTheKeyAndValueProjections() {
        let m = model(kvHeads: 2, crossAttention: true, seed: 1)
        let names = m.namedParameters()
        XCTAssertEqual(names["blocks.0.attn.wq.weight"]?.shape, [16, 16])
        XCTAssertEqual(names["blocks.0.attn.wk.weight"]?.shape, [8, 16])  // 2 heads of 4
        XCTAssertEqual(names["blocks.0.attn.wv.weight"]?.shape, [8, 16])
        XCTAssertEqual(names["blocks.0.xattn.attn.wk.weight"]?.shape, [16, 16], "cross-attention keeps full heads")
        XCTAssertEqual(m.config.kvDim, 8)
        let sparse = model(kvHeads: 2, crossAttention: true, every: 2, seed: 1)
        XCTAssertEqual(sparse.blocks.map { $0.xattn != nil }, [true, false, true])
        XCTAssertEqual(sparse.config.crossAttentionLayers, 2)
        XCTAssertEqual(sparse.gateValues.count, 2)
        XCTAssertNil(sparse.namedParameters()["blocks.1.xattn.gate"])
    }

    func testGradientsOfEveryParameterWithGroupedQueriesAndInterleavedRoPE() {
        for (kvHeads, crossAttention, every) in [(1, false, 1), (2, true, 1), (1, true, 2)] {
            let m = model(kvHeads: kvHeads, crossAttention: crossAttention, every: every, dModel: 8, heads: 2 * kvHeads, seed: 2)
            let prefix = tensor([2, 2, 8], seed: 4, requiresGrad: true)
            let user = crossAttention ? tensor([2, 3, 8], seed: 5, requiresGrad: true) : nil
            var gen = SeededGenerator(seed: 6)
            let tokens = (0..<6).map { _ in Int32(gen.next() % 13) }
            let params = m.parameters()
            let inputs = [prefix] + (user.map { [$0] } ?? []) + params.map(\.1)
            let bad = GradientCheck.mismatches(inputs) { _ in
                m(tokens: tokens, batch: 2, prefix: prefix, user: user, userLengths: user == nil ? nil : [3, 2])
            }
            XCTAssert(bad.isEmpty, "kvHeads \(kvHeads): \(bad.count) mismatches: \(bad.prefix(4))")
            XCTAssertNotEqual(m.blocks[0].attn.wk.weight.grad?.scalars.contains { $0 != 0 }, false)
        }
    }

    /// `LanguageModel.decode` with KV caches of kvHeads heads equals the full forward.
    func testDecodeStateEqualsTheFullForward() {
        let m = model(kvHeads: 2, crossAttention: true, seed: 10)
        let prefix = tensor([2, 2, 16], seed: 12), user = tensor([2, 4, 16], seed: 13)
        var gen = SeededGenerator(seed: 14)
        let tokens = (0..<12).map { _ in Int32(gen.next() % 13) }
        let full = Autograd.noGrad {
            m(tokens: tokens, batch: 2, prefix: prefix, prefixLengths: [2, 1], user: user, userLengths: [4, 3])
        }
        let state = m.makeDecodeState(batch: 2, capacity: 12, user: user, userLengths: [4, 3])
        XCTAssertEqual(state.caches[0].heads, 2)
        func columns(_ range: Range<Int>) -> [Int32] { (0..<2).flatMap { b in range.map { tokens[b * 6 + $0] } } }
        var pieces = [m.decode(tokens: columns(0..<3), prefix: prefix, prefixLengths: [2, 1], state: state)]
        for t in 3..<6 { pieces.append(m.decode(tokens: columns(t..<(t + 1)), state: state)) }
        XCTAssertLessThan(maxRelativeError(Tensor.concat(pieces, axis: 1).scalars, full.scalars), 1e-5)
    }

    /// The tape-free `IncrementalDecoder` (prefill, then beams that branch and reorder) equals
    /// the full forward of every row's own sequence, with and without cross-attention.
    func testIncrementalDecoderEqualsTheTrainingForward() {
        for (kvHeads, crossAttention, every) in [(2, false, 1), (1, true, 1), (4, false, 1), (2, true, 2)] {
            let m = model(kvHeads: kvHeads, crossAttention: crossAttention, every: every, seed: 20 + UInt64(kvHeads))
            let d = 16, v = 13
            let prompt: [Int32] = [0, 5, 7, 2, 9, 11, 3]
            let prefix = tensor([1, 3, d], seed: 21)
            let user = crossAttention ? tensor([1, 5, d], seed: 22) : nil
            func fullLogits(_ continuation: [Int32]) -> [Float] {
                let tokens = prompt + continuation
                let all = Autograd.noGrad {
                    m(tokens: tokens, batch: 1, prefix: prefix, prefixLengths: [2], user: user,
                      userLengths: user == nil ? nil : [4])
                }
                return Array(all.scalars[((tokens.count - 1) * v)..<(tokens.count * v)])
            }
            let decoder = IncrementalDecoder(model: m)
            decoder.start(capacity: 24, user: user, userLength: user == nil ? nil : 4)
            let first = decoder.prefill(tokens: prompt, prefix: prefix, prefixLength: 2)
            XCTAssertLessThan(maxRelativeError(first.scalars, fullLogits([])), 1e-5)
            decoder.expand(to: 3)
            var histories: [[Int32]] = [[], [], []]
            for (sources, tokens) in [([0, 0, 0], [3, 4, 9] as [Int32]), ([2, 0, 0], [1, 1, 6]), ([1, 2, 1], [8, 12, 0])] {
                decoder.reorder(sources)
                histories = sources.map { histories[$0] }
                for r in 0..<3 { histories[r].append(tokens[r]) }
                let logits = decoder.step(tokens)
                for r in 0..<3 {
                    XCTAssertLessThan(maxRelativeError(Array(logits.scalars[(r * v)..<((r + 1) * v)]), fullLogits(histories[r])),
                                      1e-5, "kvHeads \(kvHeads) row \(r) after \(histories[r])")
                }
            }
        }
    }

    func testConfigJSONBeforeGroupedQueriesStillDecodes() throws {
        let old = #"{"vocabSize":512,"dModel":64,"layers":2,"heads":2,"mlpHidden":192,"contextLength":256,"ropeBase":10000,"normEps":1e-05,"crossAttention":false,"initStd":0.02}"#
        let config = try JSONDecoder().decode(LanguageModelConfig.self, from: Data(old.utf8))
        XCTAssertEqual(config, .tiny)
        XCTAssertEqual(config.kvHeads, 2)
        XCTAssertEqual(config.ropeStyle, .half)
        var gqa = LanguageModelConfig.tiny
        gqa.kvHeads = 1
        gqa.ropeStyle = .interleaved
        let roundTrip = try JSONDecoder().decode(LanguageModelConfig.self, from: JSONEncoder().encode(gqa))
        XCTAssertEqual(roundTrip, gqa)
        let bad = old.replacingOccurrences(of: #""heads":2"#, with: #""heads":2,"kvHeads":3"#)
        // Decoding takes any numbers; the validation at open refuses them, naming the key.
        let decoded = try JSONDecoder().decode(LanguageModelConfig.self, from: Data(bad.utf8))
        XCTAssertNotNil(decoded.problem)
        var checker = RunConfigValidation.Checker(file: "config.json")
        XCTAssertThrowsError(try RunConfigValidation.validate(decoded, at: "llm", checker: &checker)) { error in
            XCTAssertEqual((error as? ConfigError)?.key, "llm.kvHeads", "\(error)")
        }
    }
}
