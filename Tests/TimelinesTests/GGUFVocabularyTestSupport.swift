import Foundation
import Timelines

/// A small byte-level vocabulary laid out as a GGUF file stores it, written here (not
/// copied from any model): 3 control tokens, the 256 byte tokens, and a few merges.
enum GGUFVocabularyTestSupport {
    static let controls = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    /// Merges in rank order; each result is appended to the vocabulary after the bytes.
    static let mergePairs: [(String, String)] = [("Ġ", "t"), ("h", "e"), ("Ġt", "he"), ("i", "n"), ("Ġ", "Ġ"), ("1", "2")]

    /// GPT-2's byte → printable scalar map (`bytes_to_unicode`), written out independently
    /// of the library's: printable Latin-1 maps to itself, the other 68 bytes to U+0100 on.
    static let scalarForByte: [Unicode.Scalar] = {
        var next: UInt32 = 0x100
        return (0..<256).map { b in
            if (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b) {
                return Unicode.Scalar(UInt8(b))
            }
            defer { next += 1 }
            return Unicode.Scalar(next)!
        }
    }()

    static func spell(_ bytes: [UInt8]) -> String {
        var s = String.UnicodeScalarView()
        for b in bytes { s.append(scalarForByte[Int(b)]) }
        return String(s)
    }

    static func spelling(_ text: String) -> String { spell(Array(text.utf8)) }

    static func vocabulary() -> ByteLevelVocabulary {
        var tokens = controls
        var types = [Int](repeating: 3, count: controls.count)
        for b in 0..<256 {
            tokens.append(spell([UInt8(b)]))
            types.append(1)
        }
        for (l, r) in mergePairs {
            tokens.append(l + r)
            types.append(1)
        }
        return ByteLevelVocabulary(tokens: tokens, tokenTypes: types, merges: mergePairs.map { "\($0.0) \($0.1)" },
                                   preTokenizer: "smollm", bos: 1, eos: 2, unknown: 0, pad: 2, source: "test.gguf")
    }

    /// The id of a token by its vocabulary spelling.
    static func id(_ spelt: String, in v: ByteLevelVocabulary) -> Int32 { Int32(v.tokens.firstIndex(of: spelt)!) }
    /// The id of the single-byte token of an ASCII character.
    static func byteID(_ c: Character, in v: ByteLevelVocabulary) -> Int32 { id(spelling(String(c)), in: v) }
}
