import Foundation
import NN
import Tensor
import UserLLM
import XCTest

/// SmolLM2-135M-Instruct from its GGUF file against an independent f32 PyTorch reference
/// (Tools/reference/llama_gguf_reference.py: weights dequantised by the `gguf` package, ids
/// from llama.cpp's tokenizer), on a 76-token ChatML prompt, at every position.
final class PretrainedLLMTests: XCTestCase {
    struct Golden: Decodable {
        var ids: [Int32]
        var vocab_ids: [Int]
        var logits: [[Float]]
        var argmax: [Int32]
        var logsumexp: [Double]
    }

    static func golden() throws -> Golden {
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        dir = dir.deletingLastPathComponent().appendingPathComponent("Fixtures/smollm2/logits_golden.json")
        return try JSONDecoder().decode(Golden.self, from: Data(contentsOf: dir))
    }

    /// Full forward of the fixture's ids: logits (T, V).
    private func forward(_ llm: PretrainedLLM, _ ids: [Int32]) -> Tensor {
        Autograd.noGrad { llm.model(tokens: ids, batch: 1) }
    }

    /// Per position: max |ours − ref| over the fixture's vocabulary slice, divided by
    /// max |ref| over the slice.
    private func relativeErrors(_ logits: Tensor, _ g: Golden) -> [Float] {
        let v = logits.shape[2]
        return g.ids.indices.map { t in
            let ref = g.logits[t]
            let ours = g.vocab_ids.map { logits.pointer[t * v + $0] }
            let diff = zip(ours, ref).map { abs($0 - $1) }.max()!
            return diff / ref.map(abs).max()!
        }
    }

    func testConfigFromTheMetadata() throws {
        let llm = try SmolLM2TestModel.model()
        let c = llm.config
        XCTAssertEqual([c.layers, c.dModel, c.mlpHidden, c.heads, c.kvHeads, c.vocabSize, c.contextLength],
                       [30, 576, 1536, 9, 3, 49152, 8192])
        XCTAssertEqual(c.ropeBase, 100000)
        XCTAssertEqual(c.normEps, 1e-5, accuracy: 1e-12)
        XCTAssertEqual(c.ropeStyle, .interleaved)
        XCTAssertEqual(llm.model.parameterCount, 134_515_008, "the file's parameter count, the head tied")
    }

    /// The tight parity: ≤ 1e-4 relative at every one of the prompt's positions; the argmax
    /// over the whole vocabulary and the logsumexp agree too.
    func testLogitsMatchThePyTorchReferenceAtEveryPosition() throws {
        let llm = try SmolLM2TestModel.model()
        let g = try Self.golden()
        XCTAssertGreaterThan(g.ids.count, 30)
        let logits = forward(llm, g.ids)
        let v = logits.shape[2]
        let errors = relativeErrors(logits, g)
        let worst = errors.enumerated().max { $0.element < $1.element }!
        XCTAssertLessThanOrEqual(worst.element, 1e-4, "position \(worst.offset)")
        for t in g.ids.indices {
            let row = UnsafeBufferPointer(start: logits.pointer + t * v, count: v)
            let argmax = Int32(row.indices.max { row[$0] < row[$1] }!)
            XCTAssertEqual(argmax, g.argmax[t], "argmax at position \(t)")
            let m = row.max()!
            let lse = Double(m) + log(row.reduce(0.0) { $0 + exp(Double($1 - m)) })
            XCTAssertEqual(lse, g.logsumexp[t], accuracy: 1e-4 * max(1, abs(g.logsumexp[t])), "logsumexp at \(t)")
        }
        print(String(format: "SmolLM2 vs PyTorch: worst relative error %.2e at position %d of %d", worst.element,
                     worst.offset, g.ids.count))
    }

    /// The classic bug: rotate-half on these (permuted) weights. The test above would see it.
    func testRotateHalfOnTheseWeightsIsFarOff() throws {
        let llm = try SmolLM2TestModel.model(ropeStyle: .half)
        let g = try Self.golden()
        let logits = forward(llm, g.ids)
        let errors = relativeErrors(logits, g)
        XCTAssertLessThanOrEqual(errors[0], 1e-4, "position 0 turns nothing: both styles agree there")
        let wrong = errors.filter { $0 > 1e-2 }.count
        XCTAssertGreaterThan(wrong, g.ids.count / 2, "rotate-half should be far off at most positions")
    }

    /// The tape-free decoder (prefill, then one token at a time) equals the full forward.
    func testIncrementalDecodingEqualsTheFullForward() throws {
        let llm = try SmolLM2TestModel.model()
        let g = try Self.golden()
        let full = forward(llm, g.ids)
        let v = full.shape[2], split = 40
        let decoder = IncrementalDecoder(model: llm.model)
        decoder.start(capacity: g.ids.count)
        func check(_ row: UnsafePointer<Float>, _ t: Int) {
            let ref = UnsafeBufferPointer(start: full.pointer + t * v, count: v)
            let diff = (0..<v).map { abs(row[$0] - ref[$0]) }.max()!
            XCTAssertLessThanOrEqual(diff / ref.map(abs).max()!, 1e-5, "position \(t)")
        }
        check(decoder.prefill(tokens: Array(g.ids[0..<split])).pointer, split - 1)
        for t in split..<g.ids.count { check(decoder.step([g.ids[t]]).pointer, t) }
    }
}
