import Foundation
import XCTest

/// Where tests find the pretrained model files `userllm model fetch` (and
/// scripts/test-data.sh) put in the cache: `$USERLLM_HOME/models/<name>/<file>`, the home
/// being `$USERLLM_HOME`, else `$XDG_CACHE_HOME/userllm`, else `$HOME/.cache/userllm` (as
/// Timelines' DatasetLocation.home). Test targets that cannot import the library copy
/// this small helper.
enum TestModel {
    static let smolLM2 = (name: "smollm2-135m", file: "SmolLM2-135M-Instruct.Q4_1.gguf")

    static var home: URL {
        let env = ProcessInfo.processInfo.environment
        if let h = env["USERLLM_HOME"], !h.isEmpty { return URL(fileURLWithPath: h) }
        if let x = env["XDG_CACHE_HOME"], !x.isEmpty { return URL(fileURLWithPath: x).appendingPathComponent("userllm") }
        let user = env["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return URL(fileURLWithPath: user).appendingPathComponent(".cache/userllm")
    }

    static func path(name: String = smolLM2.name, file: String = smolLM2.file) -> URL {
        home.appendingPathComponent("models").appendingPathComponent(name).appendingPathComponent(file)
    }

    /// The model file, or a skip when it is absent; under CI=true absence is a failure,
    /// since `make test` fetches it first.
    static func require(name: String = smolLM2.name, file: String = smolLM2.file,
                        sourceFile: StaticString = #filePath, line: UInt = #line) throws -> URL {
        let url = path(name: name, file: file)
        if !FileManager.default.fileExists(atPath: url.path) {
            let hint = "run `userllm model fetch \(name)` or scripts/test-data.sh"
            if ProcessInfo.processInfo.environment["CI"] == "true" {
                XCTFail("model \(name) missing at \(url.path) (CI=true); \(hint)", file: sourceFile, line: line)
            }
            throw XCTSkip("model \(name) not found at \(url.path); \(hint)")
        }
        return url
    }
}
