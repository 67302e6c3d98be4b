import ArgumentParser
import Foundation
import Tensor

/// `userllm bench engine`: sgemm peak, then a full training step of the `small` LLM with
/// cross-attention, against the peak and against PyTorch on the same shapes and threads.
///
/// Each thread count runs in its own worker process pinned to that many cores, so the
/// engine's parallel loops and OpenBLAS's pool agree on the core count (OpenBLAS
/// busy-waits: two pools on the same cores slow each other down).
struct BenchEngineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "sgemm GFLOP/s and LLM training-step speed, with the PyTorch ratio.",
        discussion: """
        Measures cblas_sgemm on large squares and on the model's own shapes, then times \
        forward + backward + AdamW of the `small` LLM (d=256, 4 layers, 4 heads, SwiGLU 768, \
        vocab 4096) with gated cross-attention over --users user embeddings, batch --batch, \
        at each --tokens length. GFLOP/s count the matrix products analytically (see \
        BenchFLOPs). When --python can import torch, Tools/reference/bench_torch.py times \
        PyTorch on the same shapes and threads and the ratio is printed.
        """
    )

    @Option(help: "Thread counts to measure, comma-separated.")
    var threads = "1,2"
    @Option(help: "Text lengths (tokens per sequence), comma-separated.")
    var tokens = "32,532"
    @Option(help: "Sequences per step.")
    var batch = 16
    @Option(help: "User embeddings per sequence for the cross-attention.")
    var users = 50
    @Option(help: "Timed training steps per length (after the warm-up).")
    var steps = 3
    @Option(help: "Untimed warm-up steps per length.")
    var warmup = 1
    @Option(help: "Python with torch for the reference timing.")
    var python = "/usr/bin/python3"
    @Flag(help: "Skip the PyTorch reference.")
    var noTorch = false
    @Flag(help: "Print one JSON object instead of tables.")
    var json = false
    @Option(help: ArgumentHelp("Internal: measure in this process with this many threads.", visibility: .hidden))
    var worker: Int?

    struct WorkerReport: Codable {
        var threads: Int
        var cpus: [Int]
        var engineCores: Int
        var sgemm: [BenchSgemm.Result]
        var steps: [BenchModelStep.Result]
        var peakGFLOPs: Double { sgemm.filter { $0.shape.label.hasPrefix("square") }.map(\.gflops).max() ?? 0 }
    }

    struct Run: Codable {
        var engine: WorkerReport
        var torch: BenchTorch.Report?
        var torchError: String?
    }

    func validate() throws {
        guard !threadCounts.isEmpty, threadCounts.allSatisfy({ $0 >= 1 }) else { throw ValidationError("--threads: positive integers, e.g. 1,2") }
        guard !tokenCounts.isEmpty, tokenCounts.allSatisfy({ $0 >= 1 }) else { throw ValidationError("--tokens: positive integers, e.g. 32,532") }
        guard batch >= 1, users >= 1, steps >= 1, warmup >= 0 else { throw ValidationError("--batch, --users, --steps must be ≥ 1") }
    }

    var threadCounts: [Int] { threads.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }
    var tokenCounts: [Int] { tokens.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }

    func run() throws {
        if let n = worker { return try runWorker(threads: n) }

        var torch: BenchTorch?
        if !noTorch, let script = BenchTorch.locateScript() {
            let candidate = BenchTorch(python: python, script: script)
            if candidate.torchAvailable() { torch = candidate }
        }
        if torch == nil && !noTorch { progress("PyTorch not importable by \(python): no reference timing") }

        var runs: [Run] = []
        for n in threadCounts {
            progress("engine, \(n) thread\(n == 1 ? "" : "s"): sgemm and \(tokenCounts.count) step lengths …")
            let engine = try spawnWorker(threads: n)
            var run = Run(engine: engine, torch: nil, torchError: nil)
            if let torch {
                progress("PyTorch, \(n) thread\(n == 1 ? "" : "s") …")
                do {
                    run.torch = try torch.measure(threads: n, tokens: tokenCounts, batch: batch, users: users,
                                                  steps: steps, warmup: warmup, config: .small)
                } catch {
                    run.torchError = "\(error)"
                    progress("PyTorch failed: \(error)")
                }
            }
            runs.append(run)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(["runs": runs]), as: UTF8.self))
        } else {
            print(render(runs))
        }
    }

    // MARK: Worker

    private func runWorker(threads n: Int) throws {
        // Before anything reads the core count (Parallel.cores is fixed on first use).
        let cpus = BenchAffinity.restrict(to: n)
        let report = Parallel.withBLASThreads(n) { () -> WorkerReport in
            let shape = BenchModelStep.Shape.small
            var sgemm: [BenchSgemm.Result] = []
            let maxTokens = tokenCounts.max()!
            for s in BenchSgemm.shapes(batch: batch, tokens: maxTokens, d: shape.d, hidden: shape.hidden,
                                       vocab: shape.vocab, headDim: shape.d / shape.heads, users: users) {
                let r = BenchSgemm.measure(s)
                progress("  sgemm " + s.label.padding(toLength: 26, withPad: " ", startingAt: 0) + String(format: "%7.1f GFLOP/s", r.gflops))
                sgemm.append(r)
            }
            var steps: [BenchModelStep.Result] = []
            for t in tokenCounts {
                let r = BenchModelStep.measure(shape: shape, batch: batch, tokens: t, users: users,
                                               steps: self.steps, warmup: warmup) { done, total in
                    progress("  step T=\(t): \(done)/\(total)")
                }
                progress(String(format: "  step T=%d: %.3f s, %.1f GFLOP/s", t, r.step, r.flops / r.step / 1e9))
                steps.append(r)
            }
            return WorkerReport(threads: n, cpus: cpus, engineCores: Parallel.cores, sgemm: sgemm, steps: steps)
        }
        FileHandle.standardOutput.write(try JSONEncoder().encode(report))
    }

    private func spawnWorker(threads n: Int) throws -> WorkerReport {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/proc/self/exe")
        p.arguments = ["bench", "engine", "--worker", "\(n)", "--tokens", tokens, "--batch", "\(batch)",
                       "--users", "\(users)", "--steps", "\(steps)", "--warmup", "\(warmup)"]
        // OpenBLAS sizes its pool at load time from this.
        p.environment = ProcessInfo.processInfo.environment.merging(["OPENBLAS_NUM_THREADS": "\(n)"]) { $1 }
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw BenchError("benchmark worker (\(n) threads) failed with status \(p.terminationStatus)") }
        return try JSONDecoder().decode(WorkerReport.self, from: data)
    }

    // MARK: Output

    private func render(_ runs: [Run]) -> String {
        var out: [String] = []
        let threadHeaders = runs.map { "\($0.engine.threads) thr" }
        var sgemm = BenchTable(["sgemm GFLOP/s (m×n×k)"] + threadHeaders)
        for (i, r) in (runs.first?.engine.sgemm ?? []).enumerated() {
            let s = r.shape
            sgemm.add(["\(s.label) (\(s.m)×\(s.n)×\(s.k))"] + runs.map { String(format: "%.1f", $0.engine.sgemm[i].gflops) })
        }
        out.append(sgemm.render())
        out.append("")
        out.append("Training step (forward + backward + AdamW), small LLM + gated cross-attention over \(users) users, batch \(batch):")
        var table = BenchTable(["T", "thr", "fwd s", "bwd s", "opt s", "step s", "GFLOP", "GFLOP/s", "% peak",
                                "torch s", "torch/ours"])
        for run in runs {
            let peak = run.engine.peakGFLOPs
            for r in run.engine.steps {
                let rate = r.flops / r.step / 1e9
                let torchStep = run.torch?.results.first { $0.tokens == r.tokens }?.step
                table.add(["\(r.tokens)", "\(run.engine.threads)",
                           String(format: "%.3f", r.forward), String(format: "%.3f", r.backward),
                           String(format: "%.3f", r.optimizer), String(format: "%.3f", r.step),
                           String(format: "%.1f", r.flops / 1e9), String(format: "%.1f", rate),
                           String(format: "%.0f%%", 100 * rate / max(peak, 1e-9)),
                           torchStep.map { String(format: "%.3f", $0) } ?? "–",
                           torchStep.map { String(format: "%.2f×", $0 / r.step) } ?? "–"])
            }
        }
        out.append(table.render())
        out.append("% peak: of the best square sgemm at that thread count. torch/ours > 1: the engine is faster.")
        if let version = runs.compactMap({ $0.torch?.torch }).first { out.append("PyTorch \(version), same shapes, threads and init scale.") }
        return out.joined(separator: "\n")
    }
}

/// Progress goes to stderr so stdout stays a clean table or JSON.
func progress(_ message: String) {
    FileHandle.standardError.write((message + "\n").data(using: .utf8)!)
}
