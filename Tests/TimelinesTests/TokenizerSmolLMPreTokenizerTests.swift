import Foundation
import XCTest
import Timelines

/// The `smollm` pre-tokenizer (every \p{N} scalar alone, then GPT-2's pattern inside each
/// stretch between them, as llama.cpp applies its two regexes in sequence) against the same
/// two regexes run by ICU's NSRegularExpression, on tricky strings and real text.
final class TokenizerSmolLMPreTokenizerTests: XCTestCase {
    private let digit = try! NSRegularExpression(pattern: #"\p{N}"#)
    private let gpt2 = try! NSRegularExpression(
        pattern: #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#)

    /// llama.cpp's `unicode_regex_split`: matches become words and so do the gaps between them.
    private func split(_ text: String, _ regex: NSRegularExpression) -> [String] {
        let ns = text as NSString
        var out: [String] = []
        var last = 0
        for m in regex.matches(in: text, range: NSRange(location: 0, length: ns.length)) {
            if m.range.location > last { out.append(ns.substring(with: NSRange(location: last, length: m.range.location - last))) }
            out.append(ns.substring(with: m.range))
            last = m.range.location + m.range.length
        }
        if last < ns.length { out.append(ns.substring(from: last)) }
        return out
    }

    private func reference(_ text: String) -> [String] {
        split(text, digit).flatMap { split($0, gpt2) }
    }

    func testEdgeCases() {
        XCTAssertEqual(BPETokenizer.words(in: "Star Wars (1977)", isolateNumbers: true),
                       ["Star", " Wars", " (", "1", "9", "7", "7", ")"])
        // The space before a digit is not its prefix: the digit split ends the stretch first.
        XCTAssertEqual(BPETokenizer.words(in: "a 1", isolateNumbers: true), ["a", " ", "1"])
        XCTAssertEqual(BPETokenizer.words(in: "x  42", isolateNumbers: true), ["x", "  ", "4", "2"])
        XCTAssertEqual(BPETokenizer.words(in: "  42", isolateNumbers: true), ["  ", "4", "2"])
        XCTAssertEqual(BPETokenizer.words(in: "x²+y³", isolateNumbers: true), ["x", "²", "+", "y", "³"])
        XCTAssertEqual(BPETokenizer.words(in: "'12", isolateNumbers: true), ["'", "1", "2"])
        XCTAssertEqual(BPETokenizer.words(in: "", isolateNumbers: true), [])
        // Without isolation the GPT-2 behaviour is unchanged.
        XCTAssertEqual(BPETokenizer.words(in: "a 1977"), ["a", " 1977"])
        let tricky = ["1994", "3.14159", "1,000,000", "The 2nd and 3rd", "١٢٣ and ٤٥", "Ⅻ and ½", "9 9  9   9",
                      "a1b22c333", "it's 4'll 5're", "'s1", "1's", "  \t 7 \n", "e\u{301}1", "🍿1🎬", "東京1953年",
                      "x\u{A0}1", "\u{3000}2", "a\u{85}\u{85}3", "line\n\n2\n", "1 ", " 1", "1  ", "  "]
        for text in tricky {
            XCTAssertEqual(BPETokenizer.words(in: text, isolateNumbers: true), reference(text), text.debugDescription)
        }
    }

    func testAgreesWithRegexesOnRealText() throws {
        let (titles, sentences) = try TokenizerTestSupport.movieLens100KTitlesAndSentences()
        var texts = titles + sentences
        if let more = try? TokenizerTestSupport.movieLensLatestSmallTitles() { texts += more }
        if let reviews = try? TokenizerTestSupport.amazonFashionReviews() { texts += reviews.prefix(3000) }
        var words = 0
        for text in texts {
            let ours = BPETokenizer.words(in: text, isolateNumbers: true)
            XCTAssertEqual(ours, reference(text), text.debugDescription)
            XCTAssertEqual(ours.joined(), text)
            words += ours.count
        }
        XCTAssertGreaterThan(words, 20_000)
    }
}
