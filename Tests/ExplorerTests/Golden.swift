import Foundation
import XCTest

/// Golden files under Tests/Fixtures/explorer/, compared exactly; regenerate with
/// USERLLM_UPDATE_GOLDENS=1 (then review the diff before committing).
enum Golden {
    static var packageRoot: URL {
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while dir.path != "/" {
            if FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) { return dir }
            dir = dir.deletingLastPathComponent()
        }
        fatalError("Package.swift not found above \(#filePath)")
    }

    static var directory: URL { packageRoot.appendingPathComponent("Tests/Fixtures/explorer") }

    static func check(_ actual: String, _ name: String, file: StaticString = #filePath, line: UInt = #line) {
        let url = directory.appendingPathComponent(name)
        if ProcessInfo.processInfo.environment["USERLLM_UPDATE_GOLDENS"] == "1" {
            try! FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try! actual.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
            XCTFail("missing golden \(name); run with USERLLM_UPDATE_GOLDENS=1 to create it", file: file, line: line)
            return
        }
        if expected != actual {
            let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
            let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
            let firstDiff = zip(e, a).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(e.count, a.count)
            XCTFail("""
                golden \(name) differs at line \(firstDiff + 1):
                expected: \(firstDiff < e.count ? String(e[firstDiff]) : "<end>")
                actual:   \(firstDiff < a.count ? String(a[firstDiff]) : "<end>")
                (USERLLM_UPDATE_GOLDENS=1 regenerates)
                """, file: file, line: line)
        }
    }
}
