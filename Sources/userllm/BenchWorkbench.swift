import Foundation
import Timelines
import UserLLM

/// The workbench of `bench inference` and `bench train`: a run's weights, or a preset's
/// untrained ones on a dataset (its tokenizer trained on the spot).
enum BenchWorkbench {
    static func open(run: String?, preset: String, dataset: String, dataDir: String?, maxEvents: Int) throws -> CostWorkbench {
        let dir = dataDir ?? ProcessInfo.processInfo.environment["USERLLM_TEST_DATA"].flatMap { $0.isEmpty ? nil : $0 }
        if let run {
            progress("opening run \(run) …")
            let name = try datasetName(run)
            let data = try dir.map { try Dataset.load(named: name, dataDir: URL(fileURLWithPath: $0).appendingPathComponent(name)) }
            return try CostWorkbench(run: URL(fileURLWithPath: run), dataset: data, maxEvents: maxEvents)
        }
        let p = try Preset.named(preset)
        progress("loading \(dataset) …")
        let data = try Dataset.load(named: dataset, dataDir: dir.map { URL(fileURLWithPath: $0).appendingPathComponent(dataset) })
        if let backbone = p.backbone {
            progress("opening \(backbone) (its weights and tokenizer; fusion layers untrained) …")
        } else {
            progress("training a \(p.tokenizerVocabSize)-token BPE tokenizer on its catalogue (untrained \(p.name) weights) …")
        }
        return try CostWorkbench(preset: p, dataset: data, maxEvents: maxEvents)
    }

    /// The dataset a run was made with (its config.json).
    private static func datasetName(_ run: String) throws -> String {
        guard let config = try RunDirectory(URL(fileURLWithPath: run)).readConfig() else {
            throw RunError.badRun("\(run)/config.json does not exist")
        }
        return config.dataset
    }
}
