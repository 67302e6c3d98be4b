import Foundation
import NN
import Tensor
import UserLLM
import XCTest

/// The GGUF → LanguageModel loader on tiny llama files written by
/// Tools/reference/llama_gguf_bad_fixtures.py (the `gguf` package's writer): a valid one
/// loads and decodes like its own forward; each broken one is a clear error naming the tensor.
final class PretrainedLLMBadInputTests: XCTestCase {
    private func fixture(_ name: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/llama-gguf/\(name).gguf")
    }

    private func error(_ name: String) -> String {
        do {
            _ = try PretrainedLLM(url: fixture(name))
            return "loaded"
        } catch {
            return "\(error)"
        }
    }

    func testValidTinyFileLoadsWithGroupedQueries() throws {
        let llm = try PretrainedLLM(url: fixture("ok"))
        XCTAssertEqual([llm.config.vocabSize, llm.config.dModel, llm.config.layers, llm.config.heads,
                        llm.config.kvHeads, llm.config.mlpHidden], [16, 8, 2, 4, 2, 12])
        XCTAssertEqual(llm.config.ropeStyle, .interleaved)
        let k = try GGUFFile(url: fixture("ok")).dequantized("blk.1.attn_k.weight")
        XCTAssertEqual(llm.model.namedParameters()["blocks.1.attn.wk.weight"]?.scalars, k.scalars)
        let logits = Autograd.noGrad { llm.model(tokens: [1, 5, 3, 9], batch: 1) }
        XCTAssert(logits.scalars.allSatisfy(\.isFinite))
    }

    func testBrokenFilesAreRefusedByName() {
        let nan = error("nan")
        XCTAssert(nan.contains("blk.1.ffn_up.weight") && nan.contains("finite"), nan)
        let shape = error("bad_shape")
        XCTAssert(shape.contains("blk.0.attn_k.weight") && shape.contains("[4, 8]"), shape)
        let untied = error("untied")
        XCTAssert(untied.contains("output.weight") && untied.contains("not supported"), untied)
        let missing = error("missing")
        XCTAssert(missing.contains("blk.1.ffn_down.weight"), missing)
    }
}
