import ArgumentParser
import Foundation
import Timelines
import UserLLM

/// `userllm bench inference`: what one next-item answer costs per fusion mode as the
/// history grows, and the TP ÷ USER-LLM ratios (issue 5, DESIGN §5 "Efficiency").
struct BenchInferenceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inference",
        abstract: "Prompt tokens, FLOPs, latency and memory of one next-item answer per mode and history length.",
        discussion: """
        For each history length and mode: the same real users (those with more events than the \
        longest length; the test target is their last event, the window the LENGTH events before \
        it) each answer the next-item question as evaluation does — encoder (+ Perceiver), prompt \
        prefill, top-10 beam search constrained to the whole catalogue with the user's history \
        masked. Latency is the median of --repeats for each user, averaged over users; FLOPs are \
        analytic (matmuls and attention exact; see FLOPCount); memory is the resident peak a fresh \
        prediction adds (caches, activations; not the weights). `ctx FLOPs` stops before the \
        answer (encoder + prefill): where the history's form matters. Ratios are tp ÷ mode.

        Without --run, untrained weights of --preset (a forward pass costs the same whatever the \
        weights) and a tokenizer trained on the dataset's catalogue. A TP prompt longer than the \
        preset's context runs with the context extended (RoPE), marked `ext`: a cost measurement.
        """ + "\n\n" + DatasetLocation.helpLine
    )

    @OptionGroup var cost: BenchCostOptions
    @Option(help: "Timed predictions per user and cell; the median counts.")
    var repeats = 5
    @Option(help: "Users per cell (the same at every length).")
    var users = 3
    @Option(parsing: .unconditional, help: "Beams (answers ranked), \(OptionBounds.text(OptionBounds.beams)).", transform: OptionBounds.int(OptionBounds.beams))
    var beams = 10
    @Option(help: "Arithmetic the LLM answers in, comma-separated: f32, bf16x3 (AMX tiles, f32's answers to ~1e-5; the default with AMX), bf16 (AMX, fastest). With f32 in the list, the others' ranked answers are compared with f32's.",
            transform: { raw in
                try raw.split(separator: ",").map { name in
                    guard let p = InferencePrecision(rawValue: String(name)) else { throw ValidationError("unknown precision \(name): f32, bf16x3 or bf16") }
                    return p
                }
            })
    var precision: [InferencePrecision] = [.standard]
    @Flag(help: "Skip the peak-memory pass.")
    var noMemory = false
    @Flag(help: "Print one JSON object instead of the table.")
    var json = false

    func validate() throws {
        guard repeats >= 1, users >= 1, beams >= 1 else { throw ValidationError("--repeats, --users and --beams must be ≥ 1") }
    }

    func run() throws {
        var options = InferenceCostBenchmark.Options()
        (options.lengths, options.variants) = try cost.grid()
        options.repeats = repeats
        options.users = users
        options.beams = beams
        options.memory = !noMemory
        options.precisions = precision
        let workbench = try cost.workbench(maxEvents: options.lengths.max()!)
        let benchmark = InferenceCostBenchmark(workbench: workbench, options: options)
        let bar = EvalProgressBar()
        benchmark.onProgress = { bar.update($0, $1, $2) }
        let rows = try benchmark.run()
        let report = Report(dataset: workbench.dataset.name, weights: workbench.weightsSource, preset: workbench.preset.name,
                            options: options, blasCore: BenchBLASCore.current(), loadAverage: loadAverage(), rows: rows)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print(render(report))
        }
    }

    struct Report: Codable {
        var dataset: String
        var weights: String
        var preset: String
        var options: InferenceCostBenchmark.Options
        var blasCore: String
        var loadAverage: String
        var rows: [InferenceCostRow]
    }

    private func render(_ r: Report) -> String {
        var table = BenchTable(["events", "mode", "arith", "= f32", "prompt", "ctx FLOPs", "FLOPs", "ms", "cpu ms", "encode", "prefill", "answer",
                                "steps/passes", "peak MB", "speedup", "(cpu)", "FLOPs ÷", "ctx FLOPs ÷"])
        for row in r.rows {
            let prompt = String(format: "%.0f", row.promptTokens + row.prefixRows)
                + (row.prefixRows > 0 ? "*" : "") + (row.contextExtended ? " ext" : "")
            table.add([
                "\(row.historyEvents)", row.variant, row.precision, row.sameAnswersAsF32.map { "\($0)/\(row.users)" } ?? "–", prompt,
                FLOPCount.format(row.contextFLOPs), FLOPCount.format(row.flops),
                Self.ms(row.seconds), Self.ms(row.cpuSeconds), Self.ms(row.encodeSeconds), Self.ms(row.prefillSeconds),
                Self.ms(row.decodeSeconds), String(format: "%.0f/%.0f", row.decodeSteps, row.decodePasses),
                row.peakMemoryBytes.map { String(format: "%.1f", Double($0) / 1_048_576) } ?? "–",
                row.speedup.map { String(format: "%.1f×", $0) } ?? "–",
                row.cpuSpeedup.map { String(format: "%.1f×", $0) } ?? "–",
                row.flopsRatio.map { String(format: "%.1f×", $0) } ?? "–",
                row.contextFLOPsRatio.map { String(format: "%.1f×", $0) } ?? "–",
            ])
        }
        let o = r.options
        return [
            "\(r.dataset), \(r.weights); next-item, top-\(o.beams) constrained beams over the catalogue; "
                + "\(o.users) users, median of \(o.repeats) repeats each; OpenBLAS \(r.blasCore); load \(r.loadAverage)",
            table.render(),
            "prompt: positions the LLM reads (text tokens; * with soft-prompt rows); ext: longer than the preset's "
                + "context (\(r.rows.first?.presetContext ?? 0)), run with it extended (RoPE) — a cost measurement.",
            "ctx FLOPs: encoder + Perceiver + projection + cross-attention K/V + prefill — putting the history into the "
                + "LLM, what the paper's FLOPs ratios count; FLOPs: end to end, with the answer (live beams' positions only).",
            "arith: the arithmetic the LLM answered in (f32 kernels; bf16x3: AMX tiles, f32 to ~1e-5; bf16: AMX, bf16 products); "
                + "= f32: users whose ranked top-\(o.beams) equals the f32 kernels' (titles, in order; when f32 was measured too).",
            "ms: wall time of the whole prediction (prompt, encoder, mask, prefill, beams); encode / prefill / answer: "
                + "its parts; cpu ms: process CPU time (all threads); steps/passes: beam steps and the decoder passes they took "
                + "(a pass feeds each live beam, a whole stretch where the catalogue leaves one way on). Ratios: tp ÷ mode at the "
                + "same length (speedup by wall time, (cpu) by CPU time).",
        ].joined(separator: "\n")
    }

    static func ms(_ seconds: Double) -> String {
        seconds >= 10 ? String(format: "%.0f", seconds * 1000) : String(format: "%.1f", seconds * 1000)
    }
}
