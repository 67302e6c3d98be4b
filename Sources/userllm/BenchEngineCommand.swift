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
    @Option(help: "Rounds of (engine, PyTorch) per thread count; each figure is the best round (the least disturbed by other processes).")
    var rounds = 1
    @Option(help: "OpenBLAS kernels (OPENBLAS_CORETYPE) for the engine and PyTorch: auto (fix OpenBLAS 0.3.21's generic fallback on newer CPUs), detected, or a core name such as SkylakeX or Haswell.")
    var blasCore = "auto"
    @Option(help: "Python with torch for the reference timing.")
    var python = "/usr/bin/python3"
    @Flag(help: "Skip the PyTorch reference.")
    var noTorch = false
    @Flag(help: "Print one JSON object instead of tables.")
    var json = false
    @Option(help: ArgumentHelp("Internal: measure in this process with this many threads.", visibility: .hidden))
    var worker: Int?
    @Flag(help: ArgumentHelp("Worker only: time the steps alone (for profiling them with perf).", visibility: .hidden))
    var stepsOnly = false

    struct WorkerReport: Codable {
        var threads: Int
        /// OpenBLAS's kernel set in the worker.
        var blasCore: String
        var cpus: [Int]
        var engineCores: Int
        var sgemm: [BenchSgemm.Result]
        var steps: [BenchModelStep.Result]
        /// The squares measured again after the steps: the peak is the best of both.
        var sgemmAfter: [BenchSgemm.Result]
        var peakGFLOPs: Double {
            (sgemm + sgemmAfter).filter { $0.shape.label.hasPrefix("square") }.map(\.gflops).max() ?? 0
        }
        /// The same by CPU time: flops per CPU-second of all threads.
        var peakCPUGFLOPs: Double {
            (sgemm + sgemmAfter).filter { $0.shape.label.hasPrefix("square") }.map(\.cpuGFLOPs).max() ?? 0
        }

        /// Per figure, the better of two rounds.
        func best(_ other: WorkerReport) -> WorkerReport {
            var out = self
            out.sgemm = zip(sgemm, other.sgemm).map { $0.gflops >= $1.gflops ? $0 : $1 }
            out.sgemmAfter = zip(sgemmAfter, other.sgemmAfter).map { $0.gflops >= $1.gflops ? $0 : $1 }
            out.steps = zip(steps, other.steps).map { a, b in
                var r = a.step <= b.step ? a : b
                r.cpu = min(a.cpu, b.cpu)
                return r
            }
            return out
        }
    }

    struct Run: Codable {
        var engine: WorkerReport
        var torch: BenchTorch.Report?
        var torchError: String?
    }

    func validate() throws {
        guard !threadCounts.isEmpty, threadCounts.allSatisfy({ $0 >= 1 }) else { throw ValidationError("--threads: positive integers, e.g. 1,2") }
        guard !tokenCounts.isEmpty, tokenCounts.allSatisfy({ $0 >= 1 }) else { throw ValidationError("--tokens: positive integers, e.g. 32,532") }
        guard batch >= 1, users >= 1, steps >= 1, warmup >= 0, rounds >= 1 else {
            throw ValidationError("--batch, --users, --steps, --rounds must be ≥ 1")
        }
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
        let coreType = BenchBLASCore.resolve(blasCore)
        if let coreType { progress("OpenBLAS detected \(BenchBLASCore.current()); workers run with OPENBLAS_CORETYPE=\(coreType)") }
        torch?.coreType = coreType

        var runs: [Run] = []
        for round in 1...rounds {
            for (i, n) in threadCounts.enumerated() {
                let label = "round \(round)/\(rounds), \(n) thread\(n == 1 ? "" : "s")"
                progress("engine, \(label): sgemm and \(tokenCounts.count) step lengths …")
                let engine = try spawnWorker(threads: n, coreType: coreType)
                var torchReport: BenchTorch.Report?
                var torchError: String?
                if let torch {
                    progress("PyTorch, \(label) …")
                    do {
                        torchReport = try torch.measure(threads: n, tokens: tokenCounts, batch: batch, users: users,
                                                        steps: steps, warmup: warmup, config: .small)
                    } catch {
                        torchError = "\(error)"
                        progress("PyTorch failed: \(error)")
                    }
                }
                if round == 1 {
                    runs.append(Run(engine: engine, torch: torchReport, torchError: torchError))
                } else {
                    runs[i].engine = runs[i].engine.best(engine)
                    if let t = torchReport {
                        if var best = runs[i].torch {
                            best.results = zip(best.results, t.results).map { a, b in
                                var r = a.step <= b.step ? a : b
                                r.cpu = min(a.cpu, b.cpu)
                                return r
                            }
                            runs[i].torch = best
                        } else {
                            runs[i].torch = t
                        }
                    }
                }
            }
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
                                       vocab: shape.vocab, headDim: shape.d / shape.heads, users: users) where !stepsOnly {
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
            let after = sgemm.filter { $0.shape.label.hasPrefix("square") }.map { BenchSgemm.measure($0.shape) }
            return WorkerReport(threads: n, blasCore: BenchBLASCore.current(), cpus: cpus, engineCores: Parallel.cores, sgemm: sgemm, steps: steps,
                                sgemmAfter: after)
        }
        FileHandle.standardOutput.write(try JSONEncoder().encode(report))
    }

    private func spawnWorker(threads n: Int, coreType: String?) throws -> WorkerReport {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/proc/self/exe")
        p.arguments = ["bench", "engine", "--worker", "\(n)", "--tokens", tokens, "--batch", "\(batch)",
                       "--users", "\(users)", "--steps", "\(steps)", "--warmup", "\(warmup)"]
        // OpenBLAS sizes its pool at load time from this.
        var environment = ProcessInfo.processInfo.environment
        environment["OPENBLAS_NUM_THREADS"] = "\(n)"
        if let coreType { environment["OPENBLAS_CORETYPE"] = coreType }
        p.environment = environment
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
        let cores = Set(runs.map(\.engine.blasCore)).sorted().joined(separator: ", ")
        out.append("OpenBLAS kernels in the workers: \(cores) (OPENBLAS_CORETYPE=\(ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] ?? "unset") here)")
        let threadHeaders = runs.map { "\($0.engine.threads) thr" }
        var sgemm = BenchTable(["sgemm GFLOP/s wall (by cpu time), m×n×k"] + threadHeaders)
        for (i, r) in (runs.first?.engine.sgemm ?? []).enumerated() {
            let s = r.shape
            sgemm.add(["\(s.label) (\(s.m)×\(s.n)×\(s.k))"] + runs.map {
                String(format: "%.1f (%.1f)", $0.engine.sgemm[i].gflops, $0.engine.sgemm[i].cpuGFLOPs)
            })
        }
        sgemm.add(["peak: best square, before and after the steps"] + runs.map {
            String(format: "%.1f (%.1f)", $0.engine.peakGFLOPs, $0.engine.peakCPUGFLOPs)
        })
        out.append(sgemm.render())
        out.append("")
        out.append("Training step (forward + backward + AdamW), small LLM + gated cross-attention over \(users) users, batch \(batch):")
        var table = BenchTable(["T", "thr", "fwd s", "bwd s", "opt s", "step s", "cpu s", "GFLOP", "GFLOP/s", "% peak", "(cpu)",
                                "torch s", "torch cpu s", "torch/ours", "(cpu)"])
        for run in runs {
            let peak = run.engine.peakGFLOPs
            for r in run.engine.steps {
                let rate = r.flops / r.step / 1e9
                let theirs = run.torch?.results.first { $0.tokens == r.tokens }
                table.add(["\(r.tokens)", "\(run.engine.threads)",
                           String(format: "%.3f", r.forward), String(format: "%.3f", r.backward),
                           String(format: "%.3f", r.optimizer), String(format: "%.3f", r.step),
                           String(format: "%.3f", r.cpu),
                           String(format: "%.1f", r.flops / 1e9), String(format: "%.1f", rate),
                           String(format: "%.0f%%", 100 * rate / max(peak, 1e-9)),
                           String(format: "%.0f%%", 100 * (r.flops / r.cpu / 1e9) / max(run.engine.peakCPUGFLOPs, 1e-9)),
                           theirs.map { String(format: "%.3f", $0.step) } ?? "–",
                           theirs.map { String(format: "%.3f", $0.cpu) } ?? "–",
                           theirs.map { String(format: "%.2f×", $0.step / r.step) } ?? "–",
                           theirs.map { String(format: "%.2f×", $0.cpu / r.cpu) } ?? "–"])
            }
        }
        out.append(table.render())
        out.append("% peak: achieved GFLOP/s over the best square sgemm at that thread count. torch/ours > 1: the engine is faster.")
        out.append("(cpu): the same by process CPU time (all threads), which other processes on a shared machine do not inflate.")
        out.append("Load average at the end: \(loadAverage()) on \(ProcessInfo.processInfo.processorCount) cores.")
        if let version = runs.compactMap({ $0.torch?.torch }).first { out.append("PyTorch \(version), same shapes, threads and init scale.") }
        return out.joined(separator: "\n")
    }
}

/// The 1-, 5- and 15-minute load averages (a busy machine makes wall-clock figures noisy).
func loadAverage() -> String {
    (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
}

/// Progress goes to stderr so stdout stays a clean table or JSON.
func progress(_ message: String) {
    FileHandle.standardError.write((message + "\n").data(using: .utf8)!)
}
