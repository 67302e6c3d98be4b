import Explorer
import Foundation
import Timelines
import UserLLM
import UserLLMExplorer
import XCTest

/// A real run on the pretrained SmolLM2-135M-Instruct (preset `smol`) over Amazon Gift
/// Cards, which has review text, trained once per test process into a temporary folder:
/// the Perceiver cross-attention model, finetuned TP and zero-shot TP, each a few steps
/// (the tests check what the explorer shows, not quality). Cross-attention every 10th
/// layer (0, 10, 20) and a 5-event window keep it to about a minute.
///
/// Needs the model file where `userllm model fetch smollm2-135m` puts it; absent, the
/// tests skip, except under CI=true, where they fail (as UserLLMTests' SmolLM2TestModel,
/// which this test target cannot import).
enum SmolRun {
    static let backbone = "smollm2-135m"
    static let every = 10
    /// xattn+Perceiver with `proj` (fusion and gates train; its checkpoint stays small),
    /// zero-shot TP, and TP with `full` (a 0.5 GB checkpoint: the folder is removed when
    /// the tests end).
    static let models: [ModelChoice] = [
        ModelChoice(mode: .xattn, perceiver: true, strategy: .proj), ModelChoice(mode: .tp, strategy: .zeroShot), ModelChoice(mode: .tp),
    ]

    static func requireModel(file: StaticString = #filePath, line: UInt = #line) throws {
        let url = ModelLocation.file(for: backbone)
        guard !FileManager.default.fileExists(atPath: url.path) else { return }
        let hint = "run `userllm model fetch \(backbone)`"
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            XCTFail("model \(backbone) missing at \(url.path) (CI=true); \(hint)", file: file, line: line)
        }
        throw XCTSkip("model \(backbone) not found at \(url.path); \(hint)")
    }

    static var dataDirectory: URL {
        TinyRun.dataDirectory.deletingLastPathComponent().appendingPathComponent("amazon-gift-cards")
    }

    /// `smol` with stages of a few steps, a short window (TP prompts stay short) and
    /// cross-attention every 10th layer.
    static func preset() throws -> Preset {
        var p = try Preset.named("smol")
        p.llm.crossAttentionEvery = every
        p.windowLength = 5
        p.stages.encoder.steps = 4
        p.stages.encoder.evalEvery = 0
        for k in [\Preset.Stages.finetune, \.finetuneTP] {
            p.stages[keyPath: k].steps = 2
            p.stages[keyPath: k].batchSize = 2
            p.stages[keyPath: k].evalEvery = 0
            p.stages[keyPath: k].warmupSteps = 1
            p.stages[keyPath: k].learningRate = 1e-4
        }
        return p
    }

    /// The folder `shared` trains into, once it has started (removed by `remove()`).
    private static var folder: URL?

    /// (dataset, run folder); trains on first use.
    static let shared: Result<(Dataset, URL), Error> = Result {
        let dir = dataDirectory
        let dataset = try Dataset.load(from: dir, name: "amazon-gift-cards")
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("userllm-explorer-backbone-\(getpid())")
        try? FileManager.default.removeItem(at: url)
        folder = url
        let config = RunConfig(dataset: "amazon-gift-cards", dataDir: dir.path, preset: try preset(), tasks: ["next-item", "review"])
        let context = try RunContext(run: RunDirectory(url), config: config, dataset: dataset)
        try TrainingPipeline(context: context).run(models: models)
        return (dataset, url)
    }

    /// Removes the run folder, if one was trained (class tear-down).
    static func remove() {
        if let url = folder { try? FileManager.default.removeItem(at: url) }
    }

    /// Amazon Gift Cards is in ../shared/data, not among what `make test` fetches: on a
    /// fresh clone the tests skip, under CI=true a missing folder fails.
    static func requireData(file: StaticString = #filePath, line: UInt = #line) throws {
        guard !FileManager.default.fileExists(atPath: dataDirectory.path) else { return }
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            XCTFail("amazon-gift-cards missing at \(dataDirectory.path) (CI=true)", file: file, line: line)
        }
        throw XCTSkip("amazon-gift-cards not found at \(dataDirectory.path) (set USERLLM_TEST_DATA)")
    }

    static func get(file: StaticString = #filePath, line: UInt = #line) throws -> (Dataset, URL) {
        try requireModel(file: file, line: line)
        try requireData(file: file, line: line)
        switch shared {
        case .success(let v): return v
        case .failure(let e):
            XCTFail("could not train the SmolLM2 run on \(dataDirectory.path): \(e)", file: file, line: line)
            throw e
        }
    }
}
