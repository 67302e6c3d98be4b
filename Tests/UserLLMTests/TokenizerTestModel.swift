import Foundation
import XCTest

/// Where the pretrained model file is (a copy of NNTests' `TestModel` path function, which
/// this target cannot import): `<home>/models/smollm2-135m/SmolLM2-135M-Instruct.Q4_1.gguf`,
/// home = `$USERLLM_HOME`, else `$XDG_CACHE_HOME/userllm`, else `$HOME/.cache/userllm`.
enum TokenizerTestModel {
    static let name = "smollm2-135m"
    static let file = "SmolLM2-135M-Instruct.Q4_1.gguf"

    static var home: URL {
        let env = ProcessInfo.processInfo.environment
        if let h = env["USERLLM_HOME"], !h.isEmpty { return URL(fileURLWithPath: h) }
        if let x = env["XDG_CACHE_HOME"], !x.isEmpty { return URL(fileURLWithPath: x).appendingPathComponent("userllm") }
        let user = env["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return URL(fileURLWithPath: user).appendingPathComponent(".cache/userllm")
    }

    /// The model file, or a skip when absent; under CI=true absence fails.
    static func require(sourceFile: StaticString = #filePath, line: UInt = #line) throws -> URL {
        let url = home.appendingPathComponent("models").appendingPathComponent(name).appendingPathComponent(file)
        if !FileManager.default.fileExists(atPath: url.path) {
            let hint = "run `userllm model fetch \(name)`"
            if ProcessInfo.processInfo.environment["CI"] == "true" {
                XCTFail("model \(name) missing at \(url.path) (CI=true); \(hint)", file: sourceFile, line: line)
            }
            throw XCTSkip("model \(name) not found at \(url.path); \(hint)")
        }
        return url
    }
}
