import ArgumentParser
import Foundation
import Timelines
import UserLLM

/// `userllm generate --run DIR --user 42 --task next-item [--cut 30] [--beams 10] [--sample …]`
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Answer one user's question with a trained model: top-K answers, hit or miss, latency, FLOPs.",
        discussion: """
        next-item and favorite-genre run beam search constrained to the catalogue (items the user \
        rated before the target masked) unless --sample is given; review decodes greedily (or with
        --beams K, beam search). --cut picks the target event (a timeline position); the history is \
        the window of events before it.
        """ + "\n\n" + DatasetLocation.helpLine
    )

    @Option(name: .customLong("run"), help: "The run directory.")
    var runDirectory: String

    // Unconditional: an ID such as "-1" is the user's, not an option ("Missing value for --user").
    @Option(parsing: .unconditional, help: "The user's ID as in the dataset files (e.g. 42).")
    var user: String

    @Option(help: "next-item, favorite-genre or review.")
    var task: String = TaskKind.nextItem.rawValue

    @Option(parsing: .unconditional, help: "Target position in the user's timeline, \(OptionBounds.text(OptionBounds.cut)) (default: the last event, the test target).",
            transform: OptionBounds.int(OptionBounds.cut))
    var cut: Int?

    @Option(help: "Model, e.g. xattn+perceiver-full (default: the first finetuned one, xattn+perceiver preferred).")
    var model: String?

    @Option(parsing: .unconditional, help: "Beam width, \(OptionBounds.text(OptionBounds.beams)) (default: 10 next-item, 3 favorite-genre, 1 review).",
            transform: OptionBounds.int(OptionBounds.beams))
    var beams: Int?

    @Flag(help: "Sample free text instead of beam search.")
    var sample = false

    @Option(parsing: .unconditional, help: "Sampling temperature, (0, 100].", transform: OptionBounds.float(0...100, lowerExclusive: true))
    var temperature: Float = 1

    @Option(parsing: .unconditional, help: "Sampling: keep the k most likely tokens, \(OptionBounds.text(OptionBounds.topK)).",
            transform: OptionBounds.int(OptionBounds.topK))
    var topK: Int?

    @Option(parsing: .unconditional, help: "Sampling: nucleus mass, (0, 1].", transform: OptionBounds.float(0...1, lowerExclusive: true))
    var topP: Float = 1

    @Option(help: "Sampling seed.")
    var seed: UInt64 = 0

    @Option(parsing: .unconditional, help: "Answer this many times and report the median latency (the first run warms caches up); \(OptionBounds.text(OptionBounds.repeats)).",
            transform: OptionBounds.int(OptionBounds.repeats))
    var `repeat`: Int = 1

    @Flag(help: "Print JSON for scripts.")
    var json = false

    func run() throws {
        guard let kind = TaskKind(rawValue: task) else {
            throw ValidationError("unknown task '\(task)': use \(TaskKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let beams, beams < 1 { throw ValidationError("--beams must be at least 1") }
        let (context, choice) = try RunModelSelection.open(runDirectory, model: model)
        guard let timeline = context.builder.timelines.timeline(rawUserID: user) else {
            throw EvalCommand.fail("no user '\(user)' in \(context.config.dataset)")
        }
        let predictor = Predictor(trained: try context.loadModel(choice))
        let example: Example
        do { example = try predictor.example(user: timeline.user, task: kind, cut: cut) } catch {
            throw EvalCommand.fail("\(error)")
        }
        let options = PredictionOptions(
            beams: beams,
            sampling: sample ? SamplingConfig(temperature: temperature, topK: topK, topP: topP, seed: seed) : nil)
        if `repeat` < 1 { throw ValidationError("--repeat must be at least 1") }
        var runs = [predictor.predict(example, options: options)]
        for _ in 1..<`repeat` { runs.append(predictor.predict(example, options: options)) }
        // The median run by total latency stands for all (the answers are identical).
        let p = runs.sorted { $0.stats.seconds < $1.stats.seconds }[runs.count / 2]
        if json {
            let out = GenerateOutput(model: choice.name, user: user, task: kind.rawValue, target: Int(example.target),
                                     windowEvents: example.window.count, expected: example.answer, answers: p.answers,
                                     targetRank: p.targetRank, stats: p.stats)
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try enc.encode(out), as: UTF8.self))
            return
        }
        let s = p.stats
        print("model \(choice.name)  user \(user)  task \(kind.rawValue)  target event \(example.target) of \(timeline.count)")
        print("history: \(example.window.count) events (\(example.windowStart)..<\(example.target)); prompt \(s.promptTokens) tokens"
              + (s.prefixRows > 0 ? " + \(s.prefixRows) soft-prompt rows" : "")
              + (s.userRows > 0 ? ", cross-attending to \(s.userRows) user rows" : ""))
        print("expected: \(example.answer)\n")
        let rows = p.answers.enumerated().map { i, a in
            [String(i + 1), a.text, String(format: "%.3f", a.logProb), a.text == example.answer ? "◀ target" : ""]
        }
        print(TextTable.render(["#", kind == .review || sample ? "text" : "answer", "log p", ""], rows))
        if kind != .review && !sample {
            print("\n" + (p.targetRank.map { "hit at rank \($0 + 1)" } ?? "miss: the target is not in the top \(p.answers.count)"))
        } else if kind == .review, let text = p.answers.first?.text {
            var rouge = RougeSummary()
            rouge.add(prediction: text, reference: predictor.reviewReference(example))
            print(String(format: "\nROUGE-1 %.3f  ROUGE-2 %.3f  ROUGE-L %.3f  ROUGE-Lsum %.3f",
                         rouge.rouge1, rouge.rouge2, rouge.rougeL, rouge.rougeLsum))
        }
        if `repeat` > 1 {
            let sorted = runs.map(\.stats.seconds).sorted()
            print(String(format: "\n%d runs: median %.2f ms, min %.2f ms, max %.2f ms", runs.count,
                         sorted[sorted.count / 2] * 1000, sorted[0] * 1000, sorted[sorted.count - 1] * 1000))
        }
        print(String(format: "\nlatency %.1f ms (encode %.1f, prefill %.1f, decode %.1f; %d steps × %d beams), %d tokens generated",
                     s.seconds * 1000, s.encodeSeconds * 1000, s.prefillSeconds * 1000, s.decodeSeconds * 1000,
                     s.decodeSteps, s.beams, s.generatedTokens))
        print("FLOPs \(FLOPCount.format(s.flops.total)) (encoder \(FLOPCount.format(s.encoderFLOPs.total)), "
              + "LLM \(FLOPCount.format(s.decoderFLOPs.total)))")
    }
}

/// `generate --json`.
struct GenerateOutput: Encodable {
    var model: String
    var user: String
    var task: String
    var target: Int
    var windowEvents: Int
    var expected: String
    var answers: [Prediction.Answer]
    var targetRank: Int?
    var stats: PredictionStats
}
