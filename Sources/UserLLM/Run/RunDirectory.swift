import AtomicIO
import Foundation
import NN
import Timelines

/// A run's folder (MODEL_PLAN "Run directory"):
///
///   config.json                       RunConfig (preset + options)
///   vocab/                            FeatureVocabularies.save
///   tokenizer.json                    the BPE tokenizer
///   checkpoints/lm.safetensors        pretrained LLM
///   checkpoints/encoder.safetensors   pretrained encoder (+ its heads)
///   checkpoints/<model>-<strategy>.safetensors   finetuned models, e.g. xattn+perceiver-full
///   checkpoints/*.resume.safetensors  an unfinished stage (parameters + optimiser state)
///   metrics.json                      per stage: done, losses, seconds (RunMetrics)
///   log.txt                           one line per step
public struct RunDirectory: Sendable {
    public let url: URL

    public init(_ url: URL) { self.url = url }

    /// `$USERLLM_HOME/runs/<dataset>-<preset>`.
    public static func defaultURL(dataset: String, preset: String) -> URL {
        DatasetLocation.home.appendingPathComponent("runs").appendingPathComponent("\(dataset)-\(preset)")
    }

    public var configURL: URL { url.appendingPathComponent("config.json") }
    public var vocabularyURL: URL { url.appendingPathComponent("vocab") }
    public var tokenizerURL: URL { url.appendingPathComponent("tokenizer.json") }
    public var checkpointsURL: URL { url.appendingPathComponent("checkpoints") }
    public var metricsURL: URL { url.appendingPathComponent("metrics.json") }
    public var logURL: URL { url.appendingPathComponent("log.txt") }

    public func checkpointURL(_ stage: String) -> URL { checkpointsURL.appendingPathComponent("\(stage).safetensors") }

    /// Stage name of a finetuned model: "xattn+perceiver-full", "tp-lora", …
    public static func finetuneStage(_ config: UserLLMModelConfig, _ strategy: TrainingStrategy) -> String {
        "\(config.name)-\(strategy.rawValue)"
    }

    public func create() throws {
        try FileManager.default.createDirectory(at: checkpointsURL, withIntermediateDirectories: true)
    }

    public func readConfig() throws -> RunConfig? {
        guard FileManager.default.fileExists(atPath: configURL.path) else { return nil }
        let config: RunConfig
        do {
            let data = try FileBytes.read(configURL, limit: 1 << 20)
            config = try JSONDecoder().decode(RunConfig.self, from: FileBytes.droppingUTF8BOM(data))
        } catch let failure as FileBytes.Failure {
            throw RunError.badRun("\(failure)")
        } catch {
            throw RunError.badRun("\(configURL.path): \(RunError.describe(error))")
        }
        try RunConfigValidation.validate(config, file: configURL.path)
        return config
    }

    public func writeConfig(_ config: RunConfig) throws { try writeJSON(config, to: configURL) }

    public func readMetrics() throws -> RunMetrics {
        guard FileManager.default.fileExists(atPath: metricsURL.path) else { return RunMetrics() }
        do {
            let data = try FileBytes.read(metricsURL, limit: 64 << 20)
            return try JSONDecoder().decode(RunMetrics.self, from: FileBytes.droppingUTF8BOM(data))
        } catch let failure as FileBytes.Failure {
            throw RunError.badRun("\(failure)")
        } catch {
            throw RunError.badRun("\(metricsURL.path): \(RunError.describe(error))")
        }
    }

    public func writeMetrics(_ metrics: RunMetrics) throws { try writeJSON(metrics, to: metricsURL) }

    /// Appends one line to log.txt.
    public func appendLog(_ line: String) {
        let data = Data((line + "\n").utf8)
        if let handle = try? FileHandle(forWritingTo: logURL) {
            handle.seekToEndOfFile()
            handle.write(data)
            try? handle.close()
        } else {
            try? data.write(to: logURL)
        }
    }

    private func writeJSON<T: Encodable>(_ value: T, to target: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(value), to: target)
    }
}
