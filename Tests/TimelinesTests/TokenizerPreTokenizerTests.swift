import Foundation
import XCTest
import Timelines

/// The hand-written GPT-2 pre-tokenizer against the regex itself (ICU's NSRegularExpression,
/// where \s is also Unicode White_Space) on real titles, reviews and edge cases.
final class TokenizerPreTokenizerTests: XCTestCase {
    private let regex = try! NSRegularExpression(
        pattern: #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#)

    private func regexWords(_ text: String) -> [String] {
        let ns = text as NSString
        return regex.matches(in: text, range: NSRange(location: 0, length: ns.length)).map { ns.substring(with: $0.range) }
    }

    func testEdgeCases() {
        XCTAssertEqual(BPETokenizer.words(in: "I'd've  seen\t\tit  "), ["I", "'d", "'ve", " ", " seen", "\t", "\t", "it", "  "])
        XCTAssertEqual(BPETokenizer.words(in: "a\n\nb"), ["a", "\n", "\n", "b"])
        XCTAssertEqual(BPETokenizer.words(in: "x  !!'s 42"), ["x", " ", " !!'", "s", " 42"])
        XCTAssertEqual(BPETokenizer.words(in: ""), [])
        let tricky = ["e\u{301}x", "a\u{1C}\u{1C}b", "a\u{85}\u{85}b", "a\u{A0}b", "a\u{200B}b", "🍿🎬 👨‍👩‍👧‍👦",
                      "x\u{B2}y", "\u{661}\u{662}", "'S'LL's", " '", "' ", "   x", "\r\n\r\n", "東京 の映画"]
        for text in tricky { XCTAssertEqual(BPETokenizer.words(in: text), regexWords(text), text.debugDescription) }
    }

    func testAgreesWithRegexOnRealText() throws {
        let (titles, sentences) = try TokenizerTestSupport.movieLens100KTitlesAndSentences()
        var texts = titles + sentences
        if let more = try? TokenizerTestSupport.movieLensLatestSmallTitles() { texts += more }
        if let reviews = try? TokenizerTestSupport.amazonFashionReviews() { texts += reviews }
        var words = 0
        for text in texts {
            let ours = BPETokenizer.words(in: text)
            XCTAssertEqual(ours, regexWords(text), text.debugDescription)
            XCTAssertEqual(ours.joined(), text)
            words += ours.count
        }
        XCTAssertGreaterThan(words, 20_000)
    }
}
