import Explorer
import Foundation
import Timelines
import UserLLM
import UserLLMExplorer
import XCTest

/// A real `tiny` run on MovieLens-100K, trained once per test process into a temporary
/// folder (few steps: the tests check structure and bookkeeping, not quality), with the
/// four models a first run trains.
enum TinyRun {
    static let models: [ModelChoice] = [
        ModelChoice(mode: .xattn), ModelChoice(mode: .xattn, perceiver: true),
        ModelChoice(mode: .soft), ModelChoice(mode: .tp),
    ]

    static var packageRoot: URL {
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while dir.path != "/" {
            if FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) { return dir }
            dir = dir.deletingLastPathComponent()
        }
        return dir
    }

    static var dataDirectory: URL {
        let env = ProcessInfo.processInfo.environment["USERLLM_TEST_DATA"].flatMap { $0.isEmpty ? nil : $0 }
        let root = env.map { URL(fileURLWithPath: $0) }
            ?? packageRoot.deletingLastPathComponent().appendingPathComponent("shared/data")
        return root.appendingPathComponent("movielens-100k")
    }

    /// (dataset, explorer data, run folder); trains on first use.
    static let shared: Result<(Dataset, ExplorerData, URL), Error> = Result {
        let dir = dataDirectory
        let dataset = try Dataset.load(from: dir, name: "movielens-100k")
        let preset = try quickPreset()
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("userllm-explorer-tiny-\(getpid())")
        try? FileManager.default.removeItem(at: url)
        let config = RunConfig(dataset: "movielens-100k", dataDir: dir.path, preset: preset, tasks: TaskKind.allCases.map(\.rawValue))
        let context = try RunContext(run: RunDirectory(url), config: config, dataset: dataset)
        try TrainingPipeline(context: context).run(models: models)
        return (dataset, ExplorerData(dataset: dataset), url)
    }

    /// `tiny` with 12 steps a stage: enough to exercise every stage; quality is not what
    /// these tests check.
    static func quickPreset(steps: Int = 12) throws -> Preset {
        var preset = try Preset.named("tiny")
        for path in [\Preset.Stages.lm, \.encoder, \.finetune, \.finetuneTP] {
            preset.stages[keyPath: path].steps = steps
            preset.stages[keyPath: path].warmupSteps = 2
            preset.stages[keyPath: path].evalEvery = steps
            preset.stages[keyPath: path].evalBatches = 1
        }
        return preset
    }

    static func get(file: StaticString = #filePath, line: UInt = #line) throws -> (Dataset, ExplorerData, URL) {
        switch shared {
        case .success(let v): return v
        case .failure(let e):
            XCTFail("could not train the tiny run on MovieLens-100K at \(dataDirectory.path): \(e)", file: file, line: line)
            throw e
        }
    }
}
