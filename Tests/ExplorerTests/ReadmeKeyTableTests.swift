import Explorer
import Foundation
import XCTest

/// The README's key table is a copy of `Keymap.standard` (lazygit's rule: one table for
/// the help overlay and the docs); this keeps the copy honest.
final class ReadmeKeyTableTests: XCTestCase {
    func testReadmeKeyTableIsTheKeymap() throws {
        var root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: root.appendingPathComponent("Package.swift").path) {
            root.deleteLastPathComponent()
        }
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let begin = try XCTUnwrap(readme.range(of: "<!-- keys:begin -->\n"), "README lacks the keys:begin marker")
        let end = try XCTUnwrap(readme.range(of: "<!-- keys:end -->"), "README lacks the keys:end marker")
        let table = String(readme[begin.upperBound..<end.lowerBound])
        XCTAssertEqual(table, Keymap.standard.markdown(),
                       "README key table differs from Keymap.standard: paste `userllm-tui --print-keys` between the markers")
    }
}
