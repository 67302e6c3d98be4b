import XCTest
import Explorer

final class DisplayWidthTests: XCTestCase {
    func testASCIIAndLatin() {
        XCTAssertEqual(DisplayWidth.of("Toy Story (1995)"), 16)
        XCTAssertEqual(DisplayWidth.of("Misérables"), 10)
        XCTAssertEqual(DisplayWidth.of(""), 0)
    }

    func testEastAsianWide() {
        XCTAssertEqual(DisplayWidth.of("千と千尋"), 8)
        XCTAssertEqual(DisplayWidth.of("올드보이"), 8)  // Hangul syllables
        XCTAssertEqual(DisplayWidth.of("ＡＢ"), 4)  // fullwidth forms
        XCTAssertEqual(DisplayWidth.of("ｱｲ"), 2)  // halfwidth katakana stay narrow
    }

    func testCombiningAndZeroWidth() {
        XCTAssertEqual(DisplayWidth.of("Ame\u{301}lie"), 6)  // decomposed é
        XCTAssertEqual(DisplayWidth.of("a\u{200B}b"), 2)  // zero-width space
        XCTAssertEqual(DisplayWidth.of("\u{1100}\u{1161}\u{11A8}"), 2)  // conjoining jamo: one syllable
        XCTAssertEqual(DisplayWidth.of(Character("\u{301}")), 0)  // a lone mark, as wcwidth: no cell of its own
        XCTAssertEqual(DisplayWidth.of(Unicode.Scalar(0x301)!), 0)
        XCTAssertEqual(DisplayWidth.of(Unicode.Scalar(0x07)!), 0)  // control
    }

    func testEmoji() {
        XCTAssertEqual(DisplayWidth.of("🎬"), 2)
        XCTAssertEqual(DisplayWidth.of("👨‍👩‍👧"), 2)  // ZWJ family is one glyph
        XCTAssertEqual(DisplayWidth.of("🇫🇷"), 2)  // flag
        XCTAssertEqual(DisplayWidth.of("❤\u{FE0F}"), 2)  // VS16 emoji presentation
        XCTAssertEqual(DisplayWidth.of("❤"), 1)  // text presentation
        XCTAssertEqual(DisplayWidth.of("👍🏽"), 2)  // skin-tone modifier joins
    }

    func testTruncateNeverSplitsAWideCharacter() {
        XCTAssertEqual(DisplayWidth.truncate("千と千尋", to: 5), "千と")
        XCTAssertEqual(DisplayWidth.truncate("千と千尋", to: 5, ellipsis: "…"), "千と…")
        XCTAssertEqual(DisplayWidth.truncate("Ame\u{301}lie", to: 4), "Ame\u{301}l")
        XCTAssertEqual(DisplayWidth.pad("千", to: 4), "千  ")
        XCTAssertEqual(DisplayWidth.pad("abc", to: 5, alignRight: true), "  abc")
        XCTAssertEqual(DisplayWidth.of(DisplayWidth.pad("千と千尋の神隠し", to: 9)), 9)
    }
}
