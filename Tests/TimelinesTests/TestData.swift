import Foundation
import XCTest

/// Where the real datasets are: $USERLLM_TEST_DATA, else <package root>/../shared/data.
enum TestData {
    static var root: URL {
        if let env = ProcessInfo.processInfo.environment["USERLLM_TEST_DATA"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        return packageRoot.deletingLastPathComponent().appendingPathComponent("shared/data")
    }

    static var packageRoot: URL {
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while dir.path != "/" {
            if FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) { return dir }
            dir = dir.deletingLastPathComponent()
        }
        return dir
    }

    static var fixtures: URL { packageRoot.appendingPathComponent("Tests/Fixtures/timelines") }

    /// MovieLens-100K must be there (missing = failure).
    static func required(_ name: String) throws -> URL {
        let dir = root.appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: dir.path) else {
            XCTFail("dataset \(name) missing at \(dir.path)")
            throw XCTSkip("missing")
        }
        return dir
    }

    /// Other datasets: skipped when absent, except under CI=true where absence fails.
    static func optional(_ name: String) throws -> URL {
        let dir = root.appendingPathComponent(name)
        if !FileManager.default.fileExists(atPath: dir.path) {
            if ProcessInfo.processInfo.environment["CI"] == "true" {
                XCTFail("dataset \(name) missing at \(dir.path) (CI=true)")
            }
            throw XCTSkip("dataset \(name) not found at \(dir.path)")
        }
        return dir
    }
}
