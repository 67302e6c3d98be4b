import Foundation
import Timelines
import XCTest

/// The cache folder follows $USERLLM_HOME, then $XDG_CACHE_HOME/userllm, then
/// $HOME/.cache/userllm — HOME as the environment says, not the account database.
final class DatasetLocationTests: XCTestCase {
    func testOrderOfEnvironmentVariables() {
        let all = ["USERLLM_HOME": "/srv/u", "XDG_CACHE_HOME": "/var/cache/x", "HOME": "/home/someone"]
        XCTAssertEqual(DatasetLocation.home(environment: all).path, "/srv/u")
        var env = all
        env["USERLLM_HOME"] = ""
        XCTAssertEqual(DatasetLocation.home(environment: env).path, "/var/cache/x/userllm")
        env["XDG_CACHE_HOME"] = nil
        XCTAssertEqual(DatasetLocation.home(environment: env).path, "/home/someone/.cache/userllm")
        // A relative XDG_CACHE_HOME is invalid per the XDG spec: ignored.
        env["XDG_CACHE_HOME"] = "relative/cache"
        XCTAssertEqual(DatasetLocation.home(environment: env).path, "/home/someone/.cache/userllm")
    }

    func testHomeComesFromTheEnvironmentNotThePasswdEntry() {
        // The account's home (passwd) is not /tmp/fake-home-…; only the environment says so.
        let fake = "/tmp/fake-home-\(getpid())"
        XCTAssertEqual(DatasetLocation.home(environment: ["HOME": fake]).path, fake + "/.cache/userllm")
        // With no HOME at all (env -i), the account's home is the fallback.
        let fallback = DatasetLocation.home(environment: [:]).path
        XCTAssertTrue(fallback.hasSuffix("/.cache/userllm"), fallback)
        XCTAssertNotEqual(fallback, fake + "/.cache/userllm")
    }

    func testProcessEnvironmentIsWhatHomeReads() {
        XCTAssertEqual(DatasetLocation.home, DatasetLocation.home(environment: ProcessInfo.processInfo.environment))
        XCTAssertTrue(DatasetLocation.helpLine.contains(DatasetLocation.home.path))
    }

    func testAliasesShareOneFolderAndOldFoldersStillWork() throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("userllm-location-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: home) }
        let canonical = home.appendingPathComponent("datasets/movielens-100k").path
        func dir(_ name: String) -> String { DatasetLocation.directory(for: name, home: home).path }
        XCTAssertEqual(dir("movielens"), canonical)
        XCTAssertEqual(dir("ml-100k"), canonical)
        XCTAssertEqual(dir("some-dataset"), home.appendingPathComponent("datasets/some-dataset").path)
        // Fetched under the short name by an older version, and nothing under the canonical one.
        let old = home.appendingPathComponent("datasets/movielens")
        try FileManager.default.createDirectory(at: old, withIntermediateDirectories: true)
        XCTAssertEqual(dir("movielens"), old.path)
        try FileManager.default.createDirectory(atPath: canonical, withIntermediateDirectories: true)
        XCTAssertEqual(dir("movielens"), canonical)
    }
}
