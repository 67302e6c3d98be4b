import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Tensor
import Timelines

/// `userllm bench inference` (issue 5): for each history length and variant, one
/// next-item answer per user — the user's test target, the `length` events before it as
/// the window, top-`beams` beam search constrained to the catalogue with the history
/// masked, exactly as evaluation runs it (`Predictor.predict`) — timed, FLOP-counted and
/// measured for memory; then the TP ÷ variant ratios.
public final class InferenceCostBenchmark {
    public struct Options: Codable, Equatable, Sendable {
        public var lengths: [Int] = [50, 100, 200, 500]
        public var variants: [String] = CostVariants.all.map(CostVariants.name)
        /// Timed predictions per user (after one untimed warm-up per cell); the median counts.
        public var repeats: Int = 5
        /// Users per cell: the same users (each with more events than the longest length)
        /// at every length.
        public var users: Int = 3
        /// 10: the evaluation's top-10 (Recall@10, NDCG@10).
        public var beams: Int = 10
        /// Measure peak memory (a separate pass after the timings).
        public var memory: Bool = true
        /// Arithmetic to answer in, a row each; with f32 among them, the others' answers are
        /// compared with f32's.
        public var precisions: [InferencePrecision] = [.standard]

        public init() {}
    }

    public let workbench: CostWorkbench
    public let options: Options
    /// (done, total, what is running), for a progress bar.
    public var onProgress: ((Int, Int, String) -> Void)?

    public init(workbench: CostWorkbench, options: Options) {
        self.workbench = workbench
        self.options = options
    }

    public func run() throws -> [InferenceCostRow] {
        let variants = try CostVariants.parse(options.variants.joined(separator: ","))
        let longest = options.lengths.max() ?? 0
        let users = try workbench.longUsers(events: longest, count: options.users)
        let perCell = users.count * options.repeats + 1 + (options.memory ? 1 : 0)
        let total = options.lengths.count * variants.count * options.precisions.count * perCell
        var done = 0
        var rows: [InferenceCostRow] = []
        for length in options.lengths {
            for choice in variants {
                let trained = try workbench.trainedModel(choice, length: length)
                let name = CostVariants.name(choice)
                let predictOptions = PredictionOptions(beams: options.beams)
                // f32 first: its first answer per user is what the other arithmetics are held to.
                var f32Answers: [[String]]?, answers: [[String]] = []
                for precision in Self.f32First(options.precisions) {
                    let label = "\(name) at \(length) events" + (options.precisions.count > 1 ? ", \(precision.rawValue)" : "")
                    onProgress?(done, total, label)
                    trained.answer(in: precision)
                    let predictor = Predictor(trained: trained)
                    let examples = try users.map { try predictor.example(user: $0, task: .nextItem) }
                    _ = predictor.predict(examples[0], options: predictOptions)  // warm-up: caches, pages
                    done += 1
                    var medians: [Timed] = []
                    var extremes = (min: Double.infinity, max: 0.0)
                    var same = 0
                    for (u, example) in examples.enumerated() {
                        var runs: [Timed] = []
                        for r in 0..<options.repeats {
                            let clock = WallClock()
                            let p = predictor.predict(example, options: predictOptions)
                            if r == 0 {
                                answers.append(p.answers.map(\.text))
                                if let f32Answers, answers.last! == f32Answers[u] { same += 1 }
                            }
                            runs.append(Timed(seconds: clock.elapsed(), cpuSeconds: clock.cpuElapsed(), stats: p.stats))
                            done += 1
                            onProgress?(done, total, label)
                        }
                        runs.sort { $0.seconds < $1.seconds }
                        extremes = (min(extremes.min, runs.first!.seconds), max(extremes.max, runs.last!.seconds))
                        var median = runs[runs.count / 2]
                        median.cpuSeconds = runs.map(\.cpuSeconds).sorted()[runs.count / 2]
                        medians.append(median)
                    }
                    var peak: Int?
                    if options.memory {
                        // A fresh predictor: its decoder allocates its caches inside the measurement.
                        let fresh = Predictor(trained: trained)
                        peak = PeakMemory.measure { fresh.predict(examples[0], options: predictOptions) }.bytes
                        done += 1
                    }
                    var measured = row(name, length: length, trained: trained, medians: medians, extremes: extremes, peak: peak)
                    measured.precision = trained.precision.rawValue
                    measured.sameAnswersAsF32 = trained.precision == .f32 || f32Answers == nil ? nil : same
                    if trained.precision == .f32 { f32Answers = answers }
                    answers = []
                    rows.append(measured)
                }
            }
        }
        onProgress?(total, total, "done")
        return Self.withRatios(rows)
    }

    /// The arithmetics to measure, f32 (when asked for) first.
    static func f32First(_ precisions: [InferencePrecision]) -> [InferencePrecision] {
        precisions.filter { $0.effective == .f32 } + precisions.filter { $0.effective != .f32 }
    }

    struct Timed {
        var seconds: Double
        var cpuSeconds: Double
        var stats: PredictionStats
    }

    private func row(_ name: String, length: Int, trained: TrainedModel, medians: [Timed],
                     extremes: (min: Double, max: Double), peak: Int?) -> InferenceCostRow {
        let n = Double(medians.count)
        func mean(_ f: (Timed) -> Double) -> Double { medians.map(f).reduce(0, +) / n }
        let llm = trained.model.config.llm
        let contextFLOPs = mean { t in
            let s = t.stats
            let before = s.encoderFLOPs + FLOPs.crossAttentionContext(llm, userRows: s.userRows)
                + FLOPs.languageModel(llm, batch: 1, newTokens: s.promptTokens + s.prefixRows, userRows: s.userRows,
                                      logitsRows: 1)
            return Double(before.total)
        }
        var row = InferenceCostRow(
            variant: name, historyEvents: length, users: medians.count,
            promptTokens: mean { Double($0.stats.promptTokens) }, prefixRows: mean { Double($0.stats.prefixRows) },
            userRows: mean { Double($0.stats.userRows) },
            longestPromptPositions: medians.map { $0.stats.promptTokens + $0.stats.prefixRows }.max() ?? 0,
            presetContext: workbench.preset.llm.contextLength,
            flops: mean { Double($0.stats.flops.total) }, contextFLOPs: contextFLOPs,
            seconds: mean(\.seconds), cpuSeconds: mean(\.cpuSeconds), encodeSeconds: mean(\.stats.encodeSeconds),
            prefillSeconds: mean(\.stats.prefillSeconds), decodeSeconds: mean(\.stats.decodeSeconds),
            minSeconds: extremes.min, maxSeconds: extremes.max, decodeSteps: mean { Double($0.stats.decodeSteps) },
            peakMemoryBytes: peak, weightBytes: trained.model.weightBytes)
        row.decodePasses = mean { Double($0.stats.decodePasses) }
        row.decodeRows = mean { Double($0.stats.decodeRows) }
        return row
    }

    /// Fills each row's tp ÷ row ratios from the tp row of its length.
    public static func withRatios(_ rows: [InferenceCostRow]) -> [InferenceCostRow] {
        rows.map { r in
            var r = r
            if let tp = rows.first(where: { $0.variant == "tp" && $0.historyEvents == r.historyEvents && $0.precision == r.precision }) {
                r.speedup = tp.seconds / r.seconds
                r.cpuSpeedup = tp.cpuSeconds / r.cpuSeconds
                r.flopsRatio = tp.flops / r.flops
                r.contextFLOPsRatio = tp.contextFLOPs / r.contextFLOPs
            }
            return r
        }
    }
}

/// Monotonic wall time, and this process's CPU time (all threads), since creation.
struct WallClock {
    private let start = DispatchTime.now().uptimeNanoseconds
    private let cpuStart = WallClock.processCPU()
    func elapsed() -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
    func cpuElapsed() -> Double { WallClock.processCPU() - cpuStart }

    static func processCPU() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
