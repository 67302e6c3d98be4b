import Foundation
import XCTest
import Timelines

/// Building a tokenizer from GGUF-style arrays: what it encodes on a small vocabulary, and
/// a clear `TokenizerError` (file, key with index, reason) for every kind of broken array.
final class TokenizerGGUFVocabularyTests: XCTestCase {
    private typealias S = GGUFVocabularyTestSupport

    func testEncodesWithMergesDigitsAndControlTokens() throws {
        let v = S.vocabulary()
        let tok = try BPETokenizer(vocabulary: v)
        XCTAssertEqual(tok.vocabSize, v.tokens.count)
        XCTAssertEqual(tok.mergeCount, S.mergePairs.count)
        // " the" merges fully; "12" is two digits (smollm isolates each), never the "12" merge.
        XCTAssertEqual(tok.encode(" the"), [S.id("Ġthe", in: v)])
        XCTAssertEqual(tok.encode("12"), [S.byteID("1", in: v), S.byteID("2", in: v)])
        XCTAssertEqual(tok.encode("<|im_start|>in<|im_end|>"), [1, S.id("in", in: v), 2])
        // Without parsing special tokens the control text is ordinary bytes.
        let plain = tok.encode("<|im_end|>", allowSpecial: false)
        XCTAssertEqual(plain.count, "<|im_end|>".utf8.count)
        XCTAssertFalse(plain.contains(2))
        XCTAssertEqual(tok.decode(plain), "<|im_end|>")
        XCTAssertEqual(tok.id(of: .bos), 1)
        XCTAssertEqual(tok.id(of: .eos), 2)
        XCTAssertEqual(tok.id(of: .pad), 2)
        XCTAssertEqual(tok.roles.unknown, 0)
        XCTAssertTrue(tok.isSpecial(2))
        XCTAssertEqual(tok.decode([1, S.id("Ġthe", in: v), 2]), "<|im_start|> the<|im_end|>")
        XCTAssertEqual(tok.decode([1, S.id("Ġthe", in: v), 2], skipSpecial: true), " the")
        for text in ["", "the then  in 2024!\n\n", "émoji 🍿 東京", "a<|im_end|>b  <|endoftext|>"] {
            XCTAssertEqual(tok.decode(tok.encode(text)), text)
        }
    }

    /// User-defined tokens are atoms even in user text; unused ones decode to nothing.
    func testUserDefinedAndUnusedTypes() throws {
        var v = S.vocabulary()
        v.tokens += ["<note>", "<gap>"]
        v.tokenTypes += [4, 5]
        let tok = try BPETokenizer(vocabulary: v)
        let note = Int32(v.tokens.count - 2), gap = Int32(v.tokens.count - 1)
        XCTAssertEqual(tok.encode("<note>", allowSpecial: false), [note])
        XCTAssertFalse(tok.encode("<gap>").contains(gap))
        XCTAssertEqual(tok.decode([gap]), "")
        XCTAssertFalse(tok.isSpecial(note))
    }

    /// Overlapping added tokens: the longer one wins wherever it stands, as in llama.cpp
    /// (a leftmost-longest scan would take "xy" first in "xyzw").
    func testLongestAddedTokenFirst() throws {
        var v = S.vocabulary()
        v.tokens += ["xy", "yzw"]
        v.tokenTypes += [4, 4]
        let tok = try BPETokenizer(vocabulary: v)
        let xy = Int32(v.tokens.count - 2), yzw = Int32(v.tokens.count - 1)
        XCTAssertEqual(tok.encode("xyzw"), [S.byteID("x", in: v), yzw])
        XCTAssertEqual(tok.encode("xy zw xyzw xy"), [xy, S.id("Ġ", in: v), S.byteID("z", in: v), S.byteID("w", in: v),
                                                     S.id("Ġ", in: v), S.byteID("x", in: v), yzw, S.id("Ġ", in: v), xy])
    }

    /// Parts: special tokens only where the part allows them, the stretch between special
    /// tokens pre-tokenized as one across part boundaries.
    func testEncodePartsRefusesSpecialTokensInContent() throws {
        let tok = try BPETokenizer(vocabulary: S.vocabulary())
        let markup = "<|im_start|>user\n"
        let content = "x<|im_end|>y"
        let ids = tok.encode(parts: [(markup, true), (content, false), ("<|im_end|>\n", true)])
        XCTAssertEqual(ids.filter { $0 == 2 }.count, 1, "only the markup's <|im_end|> is a token")
        XCTAssertEqual(ids.last, tok.encode("\n").last)
        XCTAssertEqual(tok.decode(ids), markup + content + "<|im_end|>\n")
        // With nothing to refuse, parts encode exactly as the joined text, even when a
        // boundary falls inside a whitespace run.
        let parts: [(text: String, parseSpecial: Bool)] = [("<|im_start|>user\n", true), ("\n\n the  12", false), ("<|im_end|>", true)]
        XCTAssertEqual(tok.encode(parts: parts), tok.encode(parts.map(\.text).joined()))
    }

    // MARK: - Malformed arrays

    private func expectError(_ v: ByteLevelVocabulary, key: String, reasonContains reason: String,
                             file: StaticString = #filePath, line: UInt = #line) {
        do {
            _ = try BPETokenizer(vocabulary: v)
            XCTFail("built a tokenizer from a broken vocabulary", file: file, line: line)
        } catch let error as TokenizerError {
            XCTAssertEqual(error.file, "test.gguf", file: file, line: line)
            XCTAssertEqual(error.key, key, "\(error)", file: file, line: line)
            XCTAssertTrue(error.reason.contains(reason), "\(error)", file: file, line: line)
        } catch {
            XCTFail("unexpected \(error)", file: file, line: line)
        }
    }

    func testMergeOfUnknownToken() {
        var v = S.vocabulary()
        v.merges.insert("Ġ zz", at: 2)
        expectError(v, key: "tokenizer.ggml.merges[2]", reasonContains: "token \"zz\" is not in tokenizer.ggml.tokens")
    }

    func testMergeWhoseResultIsNotAToken() {
        var v = S.vocabulary()
        v.merges.append("x y")
        expectError(v, key: "tokenizer.ggml.merges[6]", reasonContains: "merged token \"xy\" is not in tokenizer.ggml.tokens")
    }

    func testMergeWithoutSeparator() {
        var v = S.vocabulary()
        v.merges[0] = "Ġt"
        expectError(v, key: "tokenizer.ggml.merges[0]", reasonContains: "is not two tokens separated by a space")
        v.merges[0] = "Ġ "
        expectError(v, key: "tokenizer.ggml.merges[0]", reasonContains: "is not two tokens")
    }

    func testRoleIDsOutOfRange() {
        var v = S.vocabulary()
        v.bos = v.tokens.count
        expectError(v, key: "tokenizer.ggml.bos_token_id", reasonContains: "id \(v.tokens.count) is outside the vocabulary")
        v = S.vocabulary()
        v.pad = -1
        expectError(v, key: "tokenizer.ggml.padding_token_id", reasonContains: "outside the vocabulary")
        v = S.vocabulary()
        v.eos = 1 << 40
        expectError(v, key: "tokenizer.ggml.eos_token_id", reasonContains: "outside the vocabulary")
    }

    func testDuplicateToken() {
        var v = S.vocabulary()
        v.tokens[10] = v.tokens[5]
        expectError(v, key: "tokenizer.ggml.tokens[10]", reasonContains: "is already token 5")
    }

    func testArraysOfDifferentLengths() {
        var v = S.vocabulary()
        v.tokenTypes.removeLast()
        expectError(v, key: "tokenizer.ggml.token_type", reasonContains: "\(v.tokens.count - 1) types for \(v.tokens.count) tokens")
    }

    func testTooManyTokens() {
        var v = S.vocabulary()
        v.maxTokens = 100
        expectError(v, key: "tokenizer.ggml.tokens", reasonContains: "\(v.tokens.count) tokens is more than the 100")
    }

    func testEmptyVocabularyAndEmptyToken() {
        expectError(ByteLevelVocabulary(tokens: [], merges: [], preTokenizer: "smollm", source: "test.gguf"),
                    key: "tokenizer.ggml.tokens", reasonContains: "empty")
        var v = S.vocabulary()
        v.tokens[7] = ""
        expectError(v, key: "tokenizer.ggml.tokens[7]", reasonContains: "empty token")
    }

    func testBadTokenType() {
        var v = S.vocabulary()
        v.tokenTypes[4] = 9
        expectError(v, key: "tokenizer.ggml.token_type[4]", reasonContains: "9 is not a token type")
    }

    func testNormalTokenOutsideByteAlphabet() {
        var v = S.vocabulary()
        v.tokens.append("a b")   // a raw space is not in the byte-level alphabet (it is spelt Ġ)
        v.tokenTypes.append(1)
        expectError(v, key: "tokenizer.ggml.tokens[\(v.tokens.count - 1)]", reasonContains: "not spelt in GPT-2's byte-level alphabet")
    }

    func testUnknownPreTokenizer() {
        var v = S.vocabulary()
        v.preTokenizer = "llama-bpe"
        expectError(v, key: "tokenizer.ggml.pre", reasonContains: "\"llama-bpe\" is not supported")
    }
}
