import Foundation
import XCTest

/// TERM=dumb (no cursor addressing) and a TERM terminfo does not know: the explorer says
/// so and exits 2, where it used to show a blank screen (dumb) or let ncurses exit the
/// process with its own one-liner. Runs the built userllm-tui in a pseudo-terminal
/// (util-linux `script`), so the check is the one a user meets.
final class TerminalTypeTests: XCTestCase {
    func run(term: String) throws -> (status: Int32, output: String) {
        let root = Golden.packageRoot
        let testDir = Bundle.main.executableURL?.deletingLastPathComponent()
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [testDir.appendingPathComponent("userllm-tui"), root.appendingPathComponent(".build/release/userllm-tui")]
        guard let bin = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw XCTSkip("userllm-tui not built")
        }
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/script") else { throw XCTSkip("util-linux script missing") }
        // The fixture's files are committed as <name>.input (nothing in the repository looks
        // like a dataset): the explorer reads a copy under the real names.
        let fixture = root.appendingPathComponent("Tests/Fixtures/timelines/ml-csv-bad")
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("userllm-term-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: copy, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: copy) }
        for name in try FileManager.default.contentsOfDirectory(atPath: fixture.path) {
            let real = name.hasSuffix(".input") ? String(name.dropLast(".input".count)) : name
            try FileManager.default.copyItem(at: fixture.appendingPathComponent(name), to: copy.appendingPathComponent(real))
        }
        let data = copy.path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        p.arguments = ["-qec", "'\(bin.path)' --data-dir '\(data)' --no-train", "/dev/null"]
        var env = ProcessInfo.processInfo.environment
        env["TERM"] = term
        p.environment = env
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        p.standardInput = FileHandle.nullDevice
        try p.run()
        // Before the fix TERM=dumb sat on a blank screen: give up after 30 s, not never.
        let deadline = DispatchWorkItem { if p.isRunning { p.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 30, execute: deadline)
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        deadline.cancel()
        return (p.terminationStatus, text)
    }

    func testDumbTerminalGetsAMessageNotABlankScreen() throws {
        let (status, text) = try run(term: "dumb")
        XCTAssertEqual(status, 2, text)
        XCTAssertTrue(text.contains("TERM=dumb cannot move the cursor"), text)
        XCTAssertTrue(text.contains("--snapshot"), text)
    }

    func testUnknownTerminalTypeGetsAMessage() throws {
        let (status, text) = try run(term: "no-such-terminal-xyz")
        XCTAssertEqual(status, 2, text)
        XCTAssertTrue(text.contains("TERM=no-such-terminal-xyz is not a terminal type"), text)
    }
}
