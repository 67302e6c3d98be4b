import ArgumentParser
import Foundation
import Timelines
import UserLLM

/// `userllm eval --run DIR [--json] [--limit N] [--tasks next-item,favorite-genre] [--models …]`
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a run's finetuned models and the baselines on the test part (DESIGN §5).",
        discussion: """
        One test example per user (the last event). next-item: Recall@1/5/10 and NDCG@10 over the \
        whole catalogue by beam search constrained to the catalogue (10 beams), every item the user \
        rated before the target masked. favorite-genre: accuracy and Recall@3 (3 beams). review: \
        ROUGE-1/2/L/Lsum F1 of greedy text. Beside the models: most-popular and the pretrained \
        encoder's item head on the same users. Each row shows the mean time per example (encode + \
        prefill + decode), prompt positions and analytic FLOPs. Every metric carries its 95% percentile \
        bootstrap interval over users (1,000 resamples, seed 0): `0.135 [0.114, 0.158]`; --compare A,B \
        adds the paired difference A − B over the same users with its interval (* when it excludes 0). \
        The split's tie rule is printed under every table. The report is also written to \
        <run>/eval.json (or --output).
        """ + "\n\n" + DatasetLocation.helpLine
    )

    @Option(name: .customLong("run"), help: "The run directory (made by `userllm train`).")
    var runDirectory: String

    @Option(parsing: .unconditional, help: "Only the first N users (quick runs); \(OptionBounds.text(OptionBounds.users)).",
            transform: OptionBounds.int(OptionBounds.users))
    var limit: Int?

    @Option(help: "Comma-separated tasks: next-item, favorite-genre, review (default: the run's).")
    var tasks: String?

    @Option(help: "Comma-separated models, e.g. xattn+perceiver-full,tp-full (default: every finetuned checkpoint).")
    var models: String?

    @Flag(help: "Skip the most-popular and encoder baselines.")
    var noBaselines = false

    @Option(help: "Write the JSON report here (default: <run>/eval.json; with --limit, <run>/eval-limit<N>.json).")
    var output: String?

    @Flag(help: "Print the JSON report instead of the table.")
    var json = false

    @Option(parsing: .unconditional, help: "Beam width for next-item ranking, \(OptionBounds.text(OptionBounds.beams)) (default: the largest cut-off, 10).",
            transform: OptionBounds.int(OptionBounds.beams))
    var beams: Int?

    @Flag(help: "Print the table as GitHub markdown (the README's results tables).")
    var markdown = false

    @Option(help: "Paired comparison of two rows, e.g. xattn+perceiver-full,tp-full or encoder,most-popular: the difference A − B per metric with its bootstrap interval.")
    var compare: String?

    @Option(help: "Also rank every catalogue title by its full log-probability for the first N users and report how often the beam search's top 10 differs, and the R@10 of each, and of the same scores per token (slow).")
    var exactRanking: Int?

    @Option(help: "Bootstrap resamples for the intervals.")
    var resamples: Int = 1000

    @Option(help: "Seed of the bootstrap draws.")
    var bootstrapSeed: UInt64 = 0

    func run() throws {
        let context = try RunModelSelection.open(runDirectory)
        let evaluator = Evaluator(context: context)
        if let beams, beams < 1 { throw ValidationError("--beams must be at least 1") }
        var options = EvaluationOptions(limit: limit, baselines: !noBaselines, beams: beams)
        guard resamples >= 1 else { throw ValidationError("--resamples must be at least 1") }
        if let exactRanking, exactRanking < 1 { throw ValidationError("--exact-ranking must be at least 1") }
        options.exactRankingUsers = exactRanking
        options.bootstrap = Bootstrap(resamples: resamples, seed: bootstrapSeed)
        let pair = try compare.map { text -> (String, String) in
            let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw ValidationError("--compare takes two row names separated by a comma, e.g. encoder,most-popular")
            }
            return (parts[0], parts[1])
        }
        if let tasks {
            options.tasks = try tasks.split(separator: ",").map {
                guard let t = TaskKind(rawValue: String($0).trimmingCharacters(in: .whitespaces)) else {
                    throw ValidationError("unknown task '\($0)': use \(TaskKind.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return t
            }
        }
        let available = evaluator.availableModels()
        let chosen = try models.map { list in
            try list.split(separator: ",").map { name -> ModelChoice in
                guard let c = available.first(where: { $0.name == name.trimmingCharacters(in: .whitespaces) }) else {
                    throw ValidationError("no finetuned model '\(name)' in \(runDirectory); have: \(available.map(\.name).joined(separator: ", "))")
                }
                return c
            }
        } ?? available
        if chosen.isEmpty && noBaselines { throw EvalCommand.fail("\(runDirectory) has no finetuned model to evaluate") }
        let bar = EvalProgressBar()
        evaluator.onProgress = { bar.update($0, $1, $2) }
        evaluator.onStage = { _, answers in bar.beginStage(answers: answers) }
        var report = try evaluator.evaluate(models: chosen, options: options)
        if let (a, b) = pair {
            for name in [a, b] where !report.rows.contains(where: { $0.name == name }) {
                throw EvalCommand.fail("--compare: no row '\(name)' in this evaluation; rows: \(report.rows.map(\.name).joined(separator: ", "))")
            }
            report.comparisons = report.compare(a, b)
        }
        let target = output.map { URL(fileURLWithPath: $0) }
            ?? context.run.url.appendingPathComponent(limit.map { "eval-limit\($0).json" } ?? "eval.json")
        try report.write(to: target)
        if json {
            print(String(decoding: try report.json(), as: UTF8.self))
            return
        }
        print("\(report.dataset), preset \(report.preset), test part: \(report.users) users\n")
        let table = report.table()
        print(markdown ? TextTable.markdown(table.header, table.rows) : TextTable.render(table.header, table.rows))
        print("\n\(report.footnote)")
        if let samples = report.reviewSamplesText {
            print("\nGenerated reviews beside the real ones (the first users)\n\n\(samples)")
        }
        if !report.exactRanking.isEmpty {
            let c = report.exactRankingTable()
            print("\nNext-item search against the exact ranking (every title scored by its full log-probability)\n")
            print(markdown ? TextTable.markdown(c.header, c.rows) : TextTable.render(c.header, c.rows))
        }
        if !report.comparisons.isEmpty {
            let c = report.comparisonTable()
            print("\nPaired difference over the same users (* : the interval excludes 0)\n")
            print(markdown ? TextTable.markdown(c.header, c.rows) : TextTable.render(c.header, c.rows))
        }
        print("\nreport: \(target.path)")
    }

    static func fail(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        return ExitCode(1)
    }
}
