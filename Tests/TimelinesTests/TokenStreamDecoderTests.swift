import Foundation
import XCTest
import Timelines

/// Streaming decode: only complete characters come out, and the pieces add up to `decode`.
final class TokenStreamDecoderTests: XCTestCase {
    func testHoldsBackIncompleteCharacters() throws {
        let tok = try BPETokenizer(vocabulary: GGUFVocabularyTestSupport.vocabulary())
        // No merges apply inside these characters: one token per byte.
        let text = "é🍿東"
        let ids = tok.encode(text)
        XCTAssertEqual(ids.count, text.utf8.count)
        var stream = TokenStreamDecoder(tokenizer: tok)
        let pieces = ids.map { stream.append($0) }
        XCTAssertEqual(pieces, ["", "é", "", "", "", "🍿", "", "", "東"])
        XCTAssertEqual(stream.pendingByteCount, 0)
        XCTAssertEqual(stream.finish(), "")
    }

    func testPiecesAddUpToDecodeEvenForBrokenUTF8() throws {
        let tok = try BPETokenizer(vocabulary: GGUFVocabularyTestSupport.vocabulary())
        var rng = SystemRandomNumberGenerator()
        let texts = ["", "plain ascii", "naïve café — 東京 🍿👨‍👩‍👧 <|im_end|>", "a\n\n\tb"]
        for text in texts {
            let ids = tok.encode(text)
            var stream = TokenStreamDecoder(tokenizer: tok)
            let joined = ids.map { stream.append($0) }.joined() + stream.finish()
            XCTAssertEqual(joined, text)
            XCTAssertEqual(joined, tok.decode(ids))
        }
        // Random byte tokens (mostly invalid UTF-8), and special tokens skipped.
        for _ in 0..<200 {
            let ids = (0..<Int.random(in: 0...12, using: &rng)).map { _ in Int32.random(in: 0..<265, using: &rng) }
            for skip in [false, true] {
                var stream = TokenStreamDecoder(tokenizer: tok, skipSpecial: skip)
                var out = ""
                for id in ids {
                    let piece = stream.append(id)
                    out += piece
                }
                out += stream.finish()
                XCTAssertEqual(out, tok.decode(ids, skipSpecial: skip), "\(ids)")
            }
        }
    }

    func testFinishFlushesAnIncompleteCharacter() throws {
        let tok = try BPETokenizer(vocabulary: GGUFVocabularyTestSupport.vocabulary())
        let ids = tok.encode("🍿")
        var stream = TokenStreamDecoder(tokenizer: tok)
        XCTAssertEqual(ids.dropLast().map { stream.append($0) }.joined(), "")
        XCTAssertEqual(stream.pendingByteCount, 3)
        XCTAssertEqual(stream.finish(), "\u{FFFD}")
        XCTAssertEqual(stream.pendingByteCount, 0)
    }
}
