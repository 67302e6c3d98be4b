import XCTest
import Explorer

final class KeymapTests: XCTestCase {
    func testNoKeyIsBoundTwiceInOneContext() {
        for ctx in KeyContext.allCases {
            let keys = Keymap.standard.bindings.filter { $0.context == ctx }.flatMap(\.keys)
            XCTAssertEqual(keys.count, Set(keys).count, "duplicate key in \(ctx)")
        }
    }

    func testMarkdownAndHelpComeFromTheSameTable() {
        let md = Keymap.standard.markdown()
        let help = Keymap.standard.helpLines(ascii: false)
        for b in Keymap.standard.bindings {
            XCTAssertTrue(md.contains(b.summary), b.summary)
            XCTAssertTrue(help.contains { $0.text == b.summary && $0.keys == b.keyLabel(ascii: false) }, b.summary)
        }
        XCTAssertTrue(md.hasPrefix("| Keys | Where | Does |"))
        XCTAssertEqual(md.split(separator: "\n").count, Keymap.standard.bindings.count + 3)
    }

    func testContextBindingsWinOverGlobal() {
        XCTAssertEqual(Keymap.standard.action(for: .left, in: .global), .cutEarlier)
        XCTAssertEqual(Keymap.standard.action(for: .left, in: .attention), .columnPrevious)
        XCTAssertEqual(Keymap.standard.action(for: .char("q"), in: .attention), .quit)
        XCTAssertNil(Keymap.standard.action(for: .char("Z"), in: .global))
    }
}
