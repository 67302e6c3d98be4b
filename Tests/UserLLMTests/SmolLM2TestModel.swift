import Foundation
import NN
import Tensor
import UserLLM
import XCTest

/// The SmolLM2-135M-Instruct GGUF file for tests, where `userllm model fetch` puts it
/// (`ModelLocation`: $USERLLM_HOME, else $XDG_CACHE_HOME/userllm, else ~/.cache/userllm).
/// Absent: the test skips, except under CI=true, where it fails. Loaded once per test run.
enum SmolLM2TestModel {
    static let name = "smollm2-135m"

    static func url(sourceFile: StaticString = #filePath, line: UInt = #line) throws -> URL {
        let url = ModelLocation.file(for: name)
        if !FileManager.default.fileExists(atPath: url.path) {
            let hint = "run `userllm model fetch \(name)`"
            if ProcessInfo.processInfo.environment["CI"] == "true" {
                XCTFail("model \(name) missing at \(url.path) (CI=true); \(hint)", file: sourceFile, line: line)
            }
            throw XCTSkip("model \(name) not found at \(url.path); \(hint)")
        }
        return url
    }

    private static var loaded: [RotaryStyle: PretrainedLLM] = [:]
    private static let lock = NSLock()

    /// The model (f32), loaded once per RoPE style.
    static func model(ropeStyle: RotaryStyle = .interleaved, sourceFile: StaticString = #filePath,
                      line: UInt = #line) throws -> PretrainedLLM {
        let url = try url(sourceFile: sourceFile, line: line)
        lock.lock()
        defer { lock.unlock() }
        if let m = loaded[ropeStyle] { return m }
        let m = try PretrainedLLM(url: url, ropeStyle: ropeStyle)
        loaded[ropeStyle] = m
        return m
    }
}
