import Foundation
import XCTest

/// Runs scripts/tui-e2e.sh: the built userllm-tui inside tmux on MovieLens-100K.
/// Skips where tmux is missing, except under CI=true, where that fails. Needs the
/// executable built (`make test` builds everything first; alone: `swift build`).
final class TerminalEndToEndTests: XCTestCase {
    func testExplorerInTmuxOnMovieLens() throws {
        let env = ProcessInfo.processInfo.environment
        let ci = env["CI"] == "true"
        let root = Golden.packageRoot
        let dataRoot = env["USERLLM_TEST_DATA"].map { URL(fileURLWithPath: $0) }
            ?? root.deletingLastPathComponent().appendingPathComponent("shared/data")
        let data = dataRoot.appendingPathComponent("movielens-100k")
        XCTAssertTrue(FileManager.default.fileExists(atPath: data.appendingPathComponent("ml-100k.inter").path),
                      "MovieLens-100K missing at \(data.path) (set USERLLM_TEST_DATA)")
        let tmux = ["/usr/bin/tmux", "/usr/local/bin/tmux", "/opt/homebrew/bin/tmux"].first { FileManager.default.isExecutableFile(atPath: $0) }
        if tmux == nil {
            if ci { return XCTFail("tmux is required under CI=true") }
            throw XCTSkip("tmux not installed")
        }
        // The executable sits beside the test bundle (same build configuration).
        let testDir = Bundle.main.executableURL?.deletingLastPathComponent()
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [testDir.appendingPathComponent("userllm-tui"),
                          root.appendingPathComponent(".build/release/userllm-tui"),
                          root.appendingPathComponent(".build/debug/userllm-tui")]
        guard let bin = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            if ci { return XCTFail("userllm-tui not built next to the tests (\(testDir.path))") }
            throw XCTSkip("userllm-tui not built; run `swift build` first")
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = [root.appendingPathComponent("scripts/tui-e2e.sh").path, bin.path, data.path]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        print(text)
        XCTAssertEqual(p.terminationStatus, 0, "tui-e2e.sh failed:\n\(text)")
        XCTAssertTrue(text.contains("PASS"))
    }
}
