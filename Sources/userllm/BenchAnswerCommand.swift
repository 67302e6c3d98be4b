import ArgumentParser
import Foundation
import Timelines
import UserLLM

/// `userllm bench answer`: how long one answer takes with a trained run, over many users —
/// the latency a user of `generate` or the explorer waits for (issue 5: one next-item
/// answer, top-10 beams, under 50 ms at any history length).
struct BenchAnswerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "answer",
        abstract: "Latency of one answer with a trained run: median and p90 over users and repeats.",
        discussion: """
        For --users users spread over the dataset (each at its test target, the window of events \
        before it as evaluation reads it), one untimed warm-up, then --repeats timed predictions \
        each, as `userllm generate` runs them (encoder, prompt, history mask, prefill, beam \
        search). Prints the distribution of all timed runs and its parts, and the load average \
        before and after (the machine may be shared).
        """ + "\n\n" + DatasetLocation.helpLine
    )

    @Option(name: .customLong("run"), help: "A trained run directory.")
    var runDirectory: String
    @Option(help: "Model, e.g. xattn+perceiver-full (default: xattn+perceiver if trained, else the first).")
    var model: String?
    @Option(help: "next-item, favorite-genre or review.")
    var task = "next-item"
    @Option(help: "Users, spread evenly over the dataset.")
    var users = 30
    @Option(help: "Timed answers per user.")
    var repeats = 10
    @Option(parsing: .unconditional, help: "Beam width, \(OptionBounds.text(OptionBounds.beams)) (default: the task's, 10 for next-item).",
            transform: OptionBounds.int(OptionBounds.beams))
    var beams: Int?
    @Flag(help: "Print one JSON object instead of the summary.")
    var json = false

    func validate() throws {
        guard users >= 1, repeats >= 1 else { throw ValidationError("--users and --repeats must be ≥ 1") }
        if let beams, beams < 1 { throw ValidationError("--beams must be ≥ 1") }
        guard TaskKind(rawValue: task) != nil else {
            throw ValidationError("unknown task '\(task)': use \(TaskKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    struct Report: Codable {
        var run: String
        var model: String
        var task: String
        var users: Int
        var repeats: Int
        var loadBefore: String
        var loadAfter: String
        /// Milliseconds over all timed runs.
        var median: Double
        var p90: Double
        var max: Double
        var encodeMedian: Double
        var prefillMedian: Double
        var decodeMedian: Double
        /// The slowest user's median, and the history lengths (window events) seen.
        var worstUserMedian: Double
        var windowEvents: ClosedRange<Int>
        var meanSteps: Double
        var meanPasses: Double
    }

    func run() throws {
        let kind = TaskKind(rawValue: task)!
        let (context, choice) = try RunModelSelection.open(runDirectory, model: model)
        let predictor = Predictor(trained: try context.loadModel(choice))
        let count = predictor.builder.timelines.count
        let picked = (0..<min(users, count)).map { Int32($0 * count / min(users, count)) }
        let examples = picked.compactMap { try? predictor.example(user: $0, task: kind) }
        guard !examples.isEmpty else { throw EvalCommand.fail("no user with a test target in \(runDirectory)") }
        let options = PredictionOptions(beams: beams)
        let loadBefore = loadAverage()
        var all: [PredictionStats] = [], userMedians: [Double] = []
        let bar = EvalProgressBar()
        for (i, example) in examples.enumerated() {
            _ = predictor.predict(example, options: options)
            var runs: [PredictionStats] = []
            for _ in 0..<repeats { runs.append(predictor.predict(example, options: options).stats) }
            userMedians.append(Self.quantile(runs.map(\.seconds), 0.5))
            all += runs
            bar.update(i + 1, examples.count, "user \(i + 1) of \(examples.count)")
        }
        let ms = { (values: [Double], q: Double) in Self.quantile(values, q) * 1000 }
        let windows = all.map(\.windowEvents)
        let report = Report(
            run: runDirectory, model: choice.name, task: task, users: examples.count, repeats: repeats,
            loadBefore: loadBefore, loadAfter: loadAverage(),
            median: ms(all.map(\.seconds), 0.5), p90: ms(all.map(\.seconds), 0.9), max: ms(all.map(\.seconds), 1),
            encodeMedian: ms(all.map(\.encodeSeconds), 0.5), prefillMedian: ms(all.map(\.prefillSeconds), 0.5),
            decodeMedian: ms(all.map(\.decodeSeconds), 0.5), worstUserMedian: (userMedians.max() ?? 0) * 1000,
            windowEvents: (windows.min() ?? 0)...(windows.max() ?? 0),
            meanSteps: Double(all.map(\.decodeSteps).reduce(0, +)) / Double(all.count),
            meanPasses: Double(all.map(\.decodePasses).reduce(0, +)) / Double(all.count))
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
            return
        }
        let r = report
        print(String(format: """
            %@ %@, %@: %d users × %d answers (windows of %d–%d events); load %@ → %@
            latency  median %.1f ms   p90 %.1f ms   max %.1f ms   slowest user's median %.1f ms
            parts    encode %.1f ms   prefill %.1f ms   answer %.1f ms (medians); %.1f beam steps in %.1f passes
            """, r.run, r.model, r.task, r.users, r.repeats, r.windowEvents.lowerBound, r.windowEvents.upperBound,
                     r.loadBefore, r.loadAfter, r.median, r.p90, r.max, r.worstUserMedian, r.encodeMedian,
                     r.prefillMedian, r.decodeMedian, r.meanSteps, r.meanPasses))
    }

    /// The q-quantile by the nearest rank (q = 1: the largest).
    static func quantile(_ values: [Double], _ q: Double) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted[min(sorted.count - 1, max(0, Int((q * Double(sorted.count)).rounded(.up)) - 1))]
    }
}
