import ArgumentParser
import Foundation
import Timelines
import UserLLM

/// `userllm bench train`: finetuning-step throughput per fusion mode and history length.
struct BenchTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Training-step throughput (examples/s, tokens/s) per mode and history length.",
        discussion: """
        For each history length and mode, a finetuning step — next-item loss on the answer tokens, \
        backward, AdamW — on --batch real examples (users with more events than the longest length; \
        their test targets with LENGTH-event windows), the median of --steps after --warmup. \
        tokens/s counts prompt + answer text tokens; `× tp` is examples/s over tp's at that length. \
        Step FLOPs are 3 × the analytic forward. A batch whose activations (kept for the backward \
        pass) would exceed --activation-memory GiB is halved until it fits. \
        Without --run, untrained weights of --preset.
        """ + "\n\n" + DatasetLocation.helpLine
    )

    @OptionGroup var cost: BenchCostOptions
    @Option(help: "Examples per step.")
    var batch = 4
    @Option(help: "Timed steps per cell (the median counts).")
    var steps = 3
    @Option(help: "Untimed warm-up steps per cell.")
    var warmup = 1
    @Option(help: "Budget in GiB for the activations a step keeps for its backward pass.")
    var activationMemory = 8.0
    @Flag(help: "Print one JSON object instead of the table.")
    var json = false

    func validate() throws {
        guard batch >= 1, steps >= 1, warmup >= 0, activationMemory > 0 else {
            throw ValidationError("--batch and --steps must be ≥ 1, --warmup ≥ 0, --activation-memory > 0")
        }
    }

    func run() throws {
        var options = TrainingThroughputBenchmark.Options()
        (options.lengths, options.variants) = try cost.grid()
        options.batch = batch
        options.steps = steps
        options.warmup = warmup
        options.activationMemoryGiB = activationMemory
        let workbench = try cost.workbench(maxEvents: options.lengths.max()!)
        let benchmark = TrainingThroughputBenchmark(workbench: workbench, options: options)
        let bar = EvalProgressBar()
        benchmark.onProgress = { bar.update($0, $1, $2) }
        let rows = try benchmark.run()
        if json {
            struct Report: Codable {
                var dataset: String, weights: String, options: TrainingThroughputBenchmark.Options
                var blasCore: String, loadAverage: String, rows: [TrainingThroughputRow]
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(Report(dataset: workbench.dataset.name, weights: workbench.weightsSource,
                                                             options: options, blasCore: BenchBLASCore.current(),
                                                             loadAverage: loadAverage(), rows: rows)), as: UTF8.self))
            return
        }
        var table = BenchTable(["events", "mode", "batch", "tokens/ex", "seq", "step s", "ex/s", "tokens/s",
                                "GFLOP/step", "GFLOP/s", "× tp"])
        var notes: [String] = []
        for r in rows {
            if let note = r.note { notes.append("\(r.historyEvents) \(r.variant): \(note)") }
            guard r.batch > 0 else {
                table.add(["\(r.historyEvents)", r.variant, "–", String(format: "%.0f", r.tokensPerExample), "\(r.sequenceLength)",
                           "–", "–", "–", "–", "–", "–"])
                continue
            }
            table.add(["\(r.historyEvents)", r.variant, "\(r.batch)", String(format: "%.0f", r.tokensPerExample),
                       "\(r.sequenceLength)", String(format: "%.3f", r.stepSeconds),
                       String(format: "%.1f", r.examplesPerSecond), String(format: "%.0f", r.tokensPerSecond),
                       String(format: "%.2f", r.stepFLOPs / 1e9), String(format: "%.1f", r.stepFLOPs / r.stepSeconds / 1e9),
                       r.throughputRatio.map { String(format: "%.1f×", $0) } ?? "–"])
        }
        print("\(workbench.dataset.name), \(workbench.weightsSource); finetuning steps (loss, backward, AdamW), median of "
              + "\(steps) after \(warmup) warm-up; OpenBLAS \(BenchBLASCore.current()); load \(loadAverage())")
        print(table.render())
        print("tokens/ex: prompt + answer text tokens; seq: padded positions incl. soft-prompt rows; × tp: examples/s over tp's.")
        for n in notes { print(n) }
    }
}
