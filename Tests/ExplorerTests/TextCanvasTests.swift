import XCTest
import Explorer

final class TextCanvasTests: XCTestCase {
    func testWideCharactersTakeTwoCells() {
        let c = TextCanvas(width: 10, height: 1)
        let drawn = c.put("a千b", x: 0, y: 0, style: .plain, maxWidth: nil)
        XCTAssertEqual(drawn, 4)
        XCTAssertEqual(c[1, 0].grapheme, "千")
        XCTAssertEqual(c[2, 0].grapheme, "")  // continuation cell
        XCTAssertEqual(c[3, 0].grapheme, "b")
        XCTAssertEqual(c.plainText(), "a千b\n")
    }

    func testWideCharacterAtClipEdgeBecomesBlank() {
        let c = TextCanvas(width: 6, height: 1)
        c.put("ab千", x: 0, y: 0, style: .plain, maxWidth: 3)
        XCTAssertEqual(c.line(0), "ab    ")
        c.put("xyzw千", x: 0, y: 0, style: .plain, maxWidth: nil)
        XCTAssertEqual(c.line(0), "xyzw千")
        let d = TextCanvas(width: 5, height: 1)
        d.put("xyzw千", x: 0, y: 0, style: .plain, maxWidth: nil)
        XCTAssertEqual(d.line(0), "xyzw ")
    }

    func testOverwritingHalfOfAWideCharacterBlanksTheOtherHalf() {
        let c = TextCanvas(width: 4, height: 1)
        c.put("千尋", x: 0, y: 0, style: .plain, maxWidth: nil)
        c.put("x", x: 1, y: 0, style: .plain, maxWidth: nil)
        XCTAssertEqual(c.line(0), " x尋")
        c.put("y", x: 2, y: 0, style: .plain, maxWidth: nil)
        XCTAssertEqual(c.line(0), " xy ")
    }

    func testCombiningMarksStayWithTheirBase() {
        let c = TextCanvas(width: 8, height: 1)
        c.put("Ame\u{301}lie", x: 0, y: 0, style: .plain, maxWidth: nil)
        XCTAssertEqual(c[2, 0].grapheme, "e\u{301}")
        XCTAssertEqual(c[3, 0].grapheme, "l")
    }

    func testControlCharactersAreNeutralised() {
        let c = TextCanvas(width: 8, height: 1)
        c.put("a\tb\u{1B}[2J", x: 0, y: 0, style: .plain, maxWidth: nil)
        XCTAssertEqual(c.line(0), "a b [2J ")
    }

    func testANSIOutput() {
        let c = TextCanvas(width: 3, height: 1)
        c.put("ab", x: 0, y: 0, style: Style(fg: .indexed(208), bold: true), maxWidth: nil)
        XCTAssertEqual(c.ansiText(), "\u{1B}[0;1;38;5;208mab\u{1B}[0m \u{1B}[0m\n")
    }

    func testASCIICanvasTransliteratesInterfaceSymbols() {
        let c = TextCanvas(width: 12, height: 1)
        ASCIICanvas(c).put("─│★☆▶… 千", x: 0, y: 0, style: .plain, maxWidth: nil)
        XCTAssertEqual(c.line(0), "-|*.>~ 千   ")
    }
}
