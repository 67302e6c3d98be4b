import ArgumentParser
import Foundation
import UserLLM

/// `userllm eval-seeds RUN_OR_REPORT... [--markdown] [--json]`: one evaluation repeated over
/// runs that differ only in `train --seed`, as mean ± spread per row and metric.
struct EvalSeedsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval-seeds",
        abstract: "Mean and spread over seeds of the same evaluation (runs trained with `train --seed N`).",
        discussion: """
        Each argument is a run directory (its eval.json is read) or an eval report file. Every \
        report must cover the same dataset, users and split. Rows present in all of them are \
        printed as mean ± sample standard deviation (min–max over seeds); --json adds each seed's \
        value and the mean of the seeds' bootstrap intervals. Example:
          for s in 0 1 2; do userllm train --preset base --encoder-only --seed $s; done
          for s in '' -s1 -s2; do userllm eval --run ~/.cache/userllm/runs/movielens-base$s --tasks next-item; done
          userllm eval-seeds ~/.cache/userllm/runs/movielens-base{,-s1,-s2}
        """
    )

    @Argument(help: "Run directories or eval report files, one per seed.")
    var reports: [String]

    @Flag(help: "Print the table as GitHub markdown.")
    var markdown = false

    @Flag(help: "Print the summary as JSON.")
    var json = false

    func run() throws {
        guard reports.count >= 2 else { throw ValidationError("give at least two runs or reports (one per seed)") }
        let summary: SeedSummary
        do { summary = try SeedSummary.summarise(try reports.map(SeedSummary.loadReport)) } catch let e as SeedSummaryError {
            throw EvalCommand.fail(e.description)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(summary), as: UTF8.self))
            return
        }
        print("\(summary.dataset), test part: \(summary.users) users, \(summary.runs.count) seeds\n")
        let table = summary.table()
        print(markdown ? TextTable.markdown(table.header, table.rows) : TextTable.render(table.header, table.rows))
        print("\n\(summary.footnote)")
    }
}
