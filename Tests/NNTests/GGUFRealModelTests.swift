import Foundation
import XCTest
import Tensor
import NN

/// The real SmolLM2-135M-Instruct Q4_1 file (skipped when absent, failing under CI=true).
/// Expected values were measured with the `gguf` PyPI package's reader and dequantizer
/// (GGUFReader + gguf.quants.dequantize) on the same file.
final class GGUFRealModelTests: XCTestCase {
    private static var opened: GGUFFile?

    private func model() throws -> GGUFFile {
        if let f = Self.opened { return f }
        let f = try GGUFFile(url: TestModel.require())
        Self.opened = f
        return f
    }

    func testHeaderAndMetadata() throws {
        let f = try model()
        XCTAssertEqual(f.version, 3)
        XCTAssertEqual(f.fileSize, 98_362_432)
        XCTAssertEqual(f.metadataKeys.count, 33)
        XCTAssertEqual(f.metadataKeys.first, "general.architecture")
        XCTAssertEqual(f.alignment, 32)
        XCTAssertEqual(f.dataOffset, 1_785_664)
        XCTAssertEqual(try f.requireString("general.architecture"), "llama")
        XCTAssertEqual(try f.requireInt("llama.block_count"), 30)
        XCTAssertEqual(try f.requireInt("llama.embedding_length"), 576)
        XCTAssertEqual(try f.requireInt("llama.feed_forward_length"), 1536)
        XCTAssertEqual(try f.requireInt("llama.attention.head_count"), 9)
        XCTAssertEqual(try f.requireInt("llama.attention.head_count_kv"), 3)
        XCTAssertEqual(try f.requireInt("llama.rope.dimension_count"), 64)
        XCTAssertEqual(try f.requireInt("llama.context_length"), 8192)
        XCTAssertEqual(try f.requireInt("llama.vocab_size"), 49152)
        XCTAssertEqual(try f.requireFloat("llama.rope.freq_base"), 100_000)
        XCTAssertEqual(f.metadata["llama.attention.layer_norm_rms_epsilon"], .float32(1e-5))
        XCTAssertEqual(try f.requireString("tokenizer.ggml.model"), "gpt2")
        XCTAssertEqual(try f.requireString("tokenizer.ggml.pre"), "smollm")
        XCTAssertEqual(try f.requireInt("tokenizer.ggml.bos_token_id"), 1)
        XCTAssertEqual(try f.requireInt("tokenizer.ggml.eos_token_id"), 2)
        XCTAssertEqual(try f.requireInt("tokenizer.ggml.padding_token_id"), 2)
        XCTAssertEqual(try f.requireBool("tokenizer.ggml.add_bos_token"), false)
        let tokens = try f.requireStringArray("tokenizer.ggml.tokens")
        XCTAssertEqual(tokens.count, 49152)
        XCTAssertEqual(Array(tokens[0...2]), ["<|endoftext|>", "<|im_start|>", "<|im_end|>"])
        let types = try f.requireIntArray("tokenizer.ggml.token_type")
        XCTAssertEqual(types.count, 49152)
        XCTAssertEqual(types.prefix(17).filter { $0 == 3 }.count, 17, "ids 0-16 are control tokens")
        XCTAssertEqual(try f.requireStringArray("tokenizer.ggml.merges").count, 48900)
        XCTAssertTrue(try f.requireString("tokenizer.chat_template").contains("<|im_start|>"))
    }

    func testTensorTable() throws {
        let f = try model()
        XCTAssertEqual(f.tensors.count, 272)
        XCTAssertEqual(f.parameterCount, 134_515_008)
        XCTAssertEqual(f.tensorBytes, 96_576_768)
        XCTAssertNil(f.tensor("output.weight"), "the LM head is tied to token_embd")
        var byType: [String: Int] = [:]
        for t in f.tensors { byType[t.type.name, default: 0] += 1 }
        XCTAssertEqual(byType, ["Q4_1": 210, "F32": 61, "Q8_0": 1])
        let emb = try XCTUnwrap(f.tensor("token_embd.weight"))
        XCTAssertEqual(emb.type, .q8_0)
        XCTAssertEqual(emb.dimensions, [576, 49152])
        XCTAssertEqual(emb.offset, 1_785_664)
        XCTAssertEqual(emb.byteCount, 30_081_024)
        let down = try XCTUnwrap(f.tensor("blk.0.ffn_down.weight"))
        XCTAssertEqual(down.type, .q4_1)
        XCTAssertEqual(down.dimensions, [1536, 576])
        XCTAssertEqual(down.offset, 31_868_992)
        XCTAssertEqual(f.tensor("blk.7.attn_k.weight")?.dimensions, [576, 192], "3 KV heads × 64")
        XCTAssertEqual(f.tensor("output_norm.weight")?.type, .f32)
        XCTAssertEqual(f.tensor("output_norm.weight")?.offset, 98_360_128)
        // The data is laid out in the file's (lexicographic) order, not by layer.
        XCTAssertEqual(Array(f.tensors.prefix(3).map(\.name)), ["token_embd.weight", "blk.0.attn_norm.weight", "blk.0.ffn_down.weight"])
    }

    func testDequantizedValuesMatchTheGGUFPackage() throws {
        let f = try model()
        // (tensor, shape, [(flat index, value)], sum in f64) from gguf.quants.dequantize.
        let measured: [(String, [Int], [(Int, Float)], Double)] = [
            ("token_embd.weight", [49152, 576],
             [(0, -0.10654449462890625), (1, 0.032978057861328125), (31, -0.20040512084960938),
              (32, -0.09348678588867188), (1000, 0.007411956787109375), (14_155_793, 0.07286643981933594),
              (28_311_551, -0.0417022705078125)], -15353.04449415207),
            ("blk.0.attn_q.weight", [576, 576],
             [(0, -0.0963134765625), (1, 0.1573486328125), (31, -0.0963134765625), (32, -0.34619140625),
              (1000, -0.138427734375), (165_905, 0.51171875), (331_775, -0.255859375)], 59.22322082519531),
            ("blk.29.ffn_down.weight", [576, 1536],
             [(0, -0.2733154296875), (1, 0.186279296875), (31, -0.2733154296875), (32, 0.026611328125),
              (1000, 0.08392333984375), (442_385, -0.064849853515625), (884_735, 0.056640625)], 49.83570861816406),
            ("blk.0.attn_v.weight", [192, 576],
             [(0, 0.10547637939453125), (1, 0.07936859130859375), (31, -0.05117034912109375),
              (32, -0.053497314453125), (100, -0.0244140625), (55313, -0.00243377685546875),
              (110_591, -0.052337646484375)], 4.793846130371094),
            ("output_norm.weight", [576],
             [(0, 1.7578125), (1, 1.8203125), (31, 1.828125), (32, 1.875), (100, 2.09375), (305, 1.78125),
              (575, 1.984375)], 1038.33203125),
        ]
        for (name, shape, values, sum) in measured {
            let t = try f.dequantized(name)
            XCTAssertEqual(t.shape, shape, name)
            for (i, v) in values { XCTAssertEqual(t.pointer[i], v, "\(name)[\(i)]") }
            var total = 0.0
            for i in 0..<t.count { total += Double(t.pointer[i]) }
            XCTAssertEqual(total, sum, accuracy: abs(sum) * 1e-9 + 1e-9, "\(name) sum")
        }
    }

    func testEveryTensorDecodesFinite() throws {
        let f = try model()
        var buffer = [Float]()
        for t in f.tensors {
            buffer = [Float](repeating: .nan, count: t.elementCount)
            buffer.withUnsafeMutableBufferPointer { f.dequantize(t, rows: 0..<t.rows, into: $0.baseAddress!) }
            XCTAssertTrue(buffer.allSatisfy(\.isFinite), t.name)
        }
    }
}

/// Opening and decoding times on the real file (page cache warm), printed for the notes:
/// the assertion only keeps them from regressing by an order of magnitude.
final class GGUFRealModelTimingTests: XCTestCase {
    func testOpenAndDequantizeTimes() throws {
        let url = try TestModel.require()
        _ = try GGUFFile(url: url)  // warm the page cache
        var opens: [Double] = []
        for _ in 0..<5 {
            let start = DispatchTime.now().uptimeNanoseconds
            let f = try GGUFFile(url: url)
            opens.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            XCTAssertEqual(f.tensors.count, 272)
        }
        let f = try GGUFFile(url: url)
        var decode: [Double] = []
        for _ in 0..<3 {
            let start = DispatchTime.now().uptimeNanoseconds
            var elements = 0
            for t in f.tensors { elements += try f.dequantized(t.name).count }
            decode.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            XCTAssertEqual(elements, 134_515_008)
        }
        let open = opens.sorted()[2], all = decode.sorted()[1]
        print(String(format: "GGUF timing: open+index %.1f ms (median of 5); dequantize all 272 tensors %.3f s (median of 3, %.0f M values/s)",
                     open * 1000, all, 134.515008 / all))
        XCTAssertLessThan(open, 1.0)
        XCTAssertLessThan(all, 20)
    }
}
