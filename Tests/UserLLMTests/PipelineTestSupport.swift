import Foundation
import NN
import Tensor
import Timelines
import UserLLM
import XCTest

/// A tiny-preset run on real MovieLens-100K, trained once per test process: tokenizer, LM
/// and encoder pretraining, in a temporary directory.
enum PipelineFixture {
    static var dataRoot: URL {
        if let env = ProcessInfo.processInfo.environment["USERLLM_TEST_DATA"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while dir.path != "/" && !FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) {
            dir = dir.deletingLastPathComponent()
        }
        return dir.deletingLastPathComponent().appendingPathComponent("shared/data")
    }

    static var packageRoot: URL {
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while dir.path != "/" && !FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) {
            dir = dir.deletingLastPathComponent()
        }
        return dir
    }

    /// The tiny preset with shorter stages, so the whole suite stays in seconds.
    static var preset: Preset = {
        var p = try! Preset.named("tiny")
        p.stages.lm.steps = 40
        p.stages.encoder.steps = 40
        p.stages.finetune.steps = 40
        p.stages.finetuneTP.steps = 30
        for k in [\Preset.Stages.lm, \.encoder, \.finetune, \.finetuneTP] {
            p.stages[keyPath: k].evalEvery = 20
            p.stages[keyPath: k].warmupSteps = 4
        }
        return p
    }()

    static let dataset: Result<Dataset, Error> = Result {
        let dir = dataRoot.appendingPathComponent("movielens-100k")
        return try Dataset.load(from: dir)
    }

    static func temporaryDirectory(_ name: String) -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("userllm-\(name)-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Tokenizer, LM and encoder stages done (the models list is empty: no finetuning).
    static let pretrained: Result<TrainingPipeline, Error> = Result {
        let ds = try dataset.get()
        let run = RunDirectory(temporaryDirectory("fixture"))
        let config = RunConfig(dataset: "movielens-100k", dataDir: nil, preset: preset, tasks: ["next-item", "favorite-genre"])
        let pipeline = try TrainingPipeline(context: try RunContext(run: run, config: config, dataset: ds))
        try pipeline.pretrain(encoder: true)
        return pipeline
    }

    static func context() throws -> RunContext {
        do { return try pretrained.get().context } catch {
            XCTFail("MovieLens-100K fixture failed: \(error)")
            throw error
        }
    }
}
