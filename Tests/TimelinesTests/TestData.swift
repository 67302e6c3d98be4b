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

    /// Fixture files that stand in for a dataset's own files (ratings.csv, …) are committed
    /// as `<name>.input`, so that nothing in the repository looks like a dataset; this
    /// copies such a folder to a temporary one under the real names (once per process).
    static func materialized(_ folder: URL) throws -> URL {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        guard names.contains(where: { $0.hasSuffix(inputSuffix) }) else { return folder }
        let copy = FileManager.default.temporaryDirectory
            .appendingPathComponent("userllm-fixture-\(ProcessInfo.processInfo.processIdentifier)-\(folder.lastPathComponent)")
        if FileManager.default.fileExists(atPath: copy.path) { return copy }
        try FileManager.default.createDirectory(at: copy, withIntermediateDirectories: true)
        for name in names {
            let target = name.hasSuffix(inputSuffix) ? String(name.dropLast(inputSuffix.count)) : name
            try FileManager.default.copyItem(at: folder.appendingPathComponent(name), to: copy.appendingPathComponent(target))
        }
        return copy
    }

    static let inputSuffix = ".input"

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
