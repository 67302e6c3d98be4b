import Foundation
import XCTest
import Timelines

/// Our encoder against Hugging Face `tokenizers`: two byte-level BPEs trained by HF on
/// text written for the fixture (Tools/tokenizer/make_hf_golden.py), and the ids HF gave
/// for strings covering contractions, whitespace runs, Unicode spaces, CJK, emoji, accents,
/// special tokens in running text and an empty string.
final class TokenizerHFGoldenTests: XCTestCase {
    private struct Golden: Decodable {
        var strings: [String]
        var pairs: [[Int32]]
        var stringsMerges: [[Int32]]
        var pairsDecoded: [String]
        var stringsDecoded: [String]
        enum CodingKeys: String, CodingKey {
            case strings
            case pairs = "hf-pairs"
            case stringsMerges = "hf-strings"
            case pairsDecoded = "hf-pairs-decoded"
            case stringsDecoded = "hf-strings-decoded"
        }
    }

    private func golden() throws -> Golden {
        let data = try Data(contentsOf: TokenizerTestSupport.fixtures.appendingPathComponent("golden.json"))
        return try JSONDecoder().decode(Golden.self, from: data)
    }

    private func check(_ name: String, vocabSize: Int, expected: [[Int32]], decoded: [String]) throws {
        let golden = try golden()
        let tokenizer = try BPETokenizer.load(from: TokenizerTestSupport.fixtures.appendingPathComponent("\(name)/tokenizer.json"))
        XCTAssertEqual(tokenizer.vocabSize, vocabSize)
        XCTAssertEqual(tokenizer.id(ofSpecial: "<|endoftext|>"), 0)
        XCTAssertEqual(golden.strings.count, expected.count)
        for (n, text) in golden.strings.enumerated() {
            let ids = tokenizer.encode(text)
            XCTAssertEqual(ids, expected[n], "\(name) string \(n): \(text.debugDescription)")
            XCTAssertEqual(tokenizer.decode(ids), decoded[n], "\(name) decode \(n)")
        }
    }

    /// Merges as [a, b] pairs, no prefix space (GPT-2's settings).
    func testPairMergesEncodeExactlyAsHuggingFace() throws {
        let g = try golden()
        try check("hf-pairs", vocabSize: 700, expected: g.pairs, decoded: g.pairsDecoded)
    }

    /// Merges as "a b" strings, add_prefix_space (RoBERTa's settings), an lstrip <mask>
    /// and a non-special added token.
    func testStringMergesWithPrefixSpaceEncodeExactlyAsHuggingFace() throws {
        let g = try golden()
        try check("hf-strings", vocabSize: 702, expected: g.stringsMerges, decoded: g.stringsDecoded)
    }

    /// A loaded HF file saved by us and loaded again encodes the same and saves the same bytes.
    func testHuggingFaceFileSurvivesOurSaveAndLoad() throws {
        let g = try golden()
        for name in ["hf-pairs", "hf-strings"] {
            let original = try BPETokenizer.load(from: TokenizerTestSupport.fixtures.appendingPathComponent("\(name)/tokenizer.json"))
            let dir = try TokenizerTestSupport.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: dir) }
            let url = dir.appendingPathComponent("tokenizer.json")
            try original.save(to: url)
            let reloaded = try BPETokenizer.load(from: url)
            XCTAssertEqual(reloaded.tokenizerJSON(), original.tokenizerJSON(), name)
            XCTAssertEqual(reloaded.mergeCount, original.mergeCount)
            for text in g.strings { XCTAssertEqual(reloaded.encode(text), original.encode(text), "\(name): \(text.debugDescription)") }
        }
    }
}
