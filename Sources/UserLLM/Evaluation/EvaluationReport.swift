import AtomicIO
import Foundation
import NN
import Timelines

/// The results of `userllm eval`: one row per model and baseline (DESIGN §5), as a table
/// and as JSON, every metric with its bootstrap interval over users, the split's tie rule
/// beside it, and any paired comparisons asked for.
public struct EvaluationReport: Codable, Equatable, Sendable {
    public var dataset: String
    public var run: String
    public var preset: String
    /// "test": one example per user (leave-last-out).
    public var part: String
    /// Users evaluated (the --limit, or all).
    public var users: Int
    public var rows: [EvaluationRow]
    /// The split and how it breaks timestamp ties (`LeaveLastOutSplit.tieRule`).
    public var split: String
    /// How the intervals were drawn (resamples, seed, level).
    public var bootstrap: Bootstrap
    /// Paired differences asked for (`eval --compare A,B`).
    public var comparisons: [PairedComparison]
    /// Beam search against the exact ranking (`eval --exact-ranking N`), per model.
    public var exactRanking: [ExactRankingCheck]
    /// The arithmetic the models answered in (`InferencePrecision.standard`: bf16x3 where
    /// the CPU has AMX, else f32, unless USERLLM_PRECISION chose another).
    public var precision: String

    public init(dataset: String, run: String, preset: String, part: String = "test", users: Int, rows: [EvaluationRow],
                split: String = LeaveLastOutSplit.tieRule, bootstrap: Bootstrap = Bootstrap(),
                comparisons: [PairedComparison] = [], exactRanking: [ExactRankingCheck] = [],
                precision: String = InferencePrecision.f32.rawValue) {
        self.dataset = dataset
        self.run = run
        self.preset = preset
        self.part = part
        self.users = users
        self.rows = rows
        self.split = split
        self.bootstrap = bootstrap
        self.comparisons = comparisons
        self.exactRanking = exactRanking
        self.precision = precision
    }

    private enum CodingKeys: String, CodingKey {
        case dataset, run, preset, part, users, rows, split, bootstrap, comparisons, exactRanking, precision
    }

    /// Reports written before intervals existed still read (no split rule, no comparisons).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        dataset = try c.decode(String.self, forKey: .dataset)
        run = try c.decode(String.self, forKey: .run)
        preset = try c.decode(String.self, forKey: .preset)
        part = try c.decode(String.self, forKey: .part)
        users = try c.decode(Int.self, forKey: .users)
        rows = try c.decode([EvaluationRow].self, forKey: .rows)
        split = try c.decodeIfPresent(String.self, forKey: .split) ?? LeaveLastOutSplit.tieRule
        bootstrap = try c.decodeIfPresent(Bootstrap.self, forKey: .bootstrap) ?? Bootstrap()
        comparisons = try c.decodeIfPresent([PairedComparison].self, forKey: .comparisons) ?? []
        exactRanking = try c.decodeIfPresent([ExactRankingCheck].self, forKey: .exactRanking) ?? []
        precision = try c.decodeIfPresent(String.self, forKey: .precision) ?? InferencePrecision.f32.rawValue
    }

    /// The exact-ranking checks as a table.
    public func exactRankingTable() -> (header: [String], rows: [[String]]) {
        let header = ["model", "users", "beams", "top-10 order differs", "top-10 set differs", "overlap",
                      "R@10 beam", "R@10 exact", "exact − beam", "R@10 exact per token", "per token − exact",
                      "title tokens (exact / per token / target)", "s/user beam", "s/user exact"]
        let body = exactRanking.map { c -> [String] in
            [c.model, "\(c.users)", "\(c.beams)", "\(c.differentOrder)", "\(c.differentSet)", String(format: "%.3f", c.meanOverlap),
             c.beamRecall10.formatted(), c.exactRecall10.formatted(), c.difference.formatted(signed: true),
             c.perTokenRecall10?.formatted() ?? "-", c.perTokenDifference?.formatted(signed: true) ?? "-",
             c.meanTokens.map { String(format: "%.1f / %.1f / %.1f", $0.exactTop10, $0.perTokenTop10, $0.targets) } ?? "-",
             String(format: "%.2f", c.beamSecondsPerUser), String(format: "%.2f", c.exactSecondsPerUser)]
        }
        return (header, body)
    }

    /// The paired comparison of rows `a` and `b` (by name) on every task both have.
    /// Throws nothing: a name missing from the report gives an empty list.
    public func compare(_ a: String, _ b: String) -> [PairedComparison] {
        guard let ra = rows.first(where: { $0.name == a }), let rb = rows.first(where: { $0.name == b }) else { return [] }
        return TaskKind.allCases.flatMap { task -> [PairedComparison] in
            guard let x = ra.result(task), let y = rb.result(task) else { return [] }
            return PairedComparison.compare(a, x, b, y, bootstrap: bootstrap)
        }
    }

    /// One line under every table: the split's tie rule, the interval method, and the LLM's
    /// arithmetic where it is not f32.
    public var footnote: String {
        "split: \(split). Intervals: \(Int(bootstrap.level * 100))% percentile bootstrap over users, "
            + "\(bootstrap.resamples) resamples, seed \(bootstrap.seed)."
            + (precision == InferencePrecision.f32.rawValue ? "" : " The LLM answered in \(precision) (AMX tiles), not f32.")
    }

    /// The comparisons as a table: task, metric, A, B, A − B [interval], users.
    public func comparisonTable() -> (header: [String], rows: [[String]]) {
        guard let first = comparisons.first else { return ([], []) }
        let header = ["task", "metric", first.a, first.b, "\(first.a) − \(first.b)", "users"]
        let body = comparisons.map { c -> [String] in
            [c.task.rawValue, c.metric, String(format: "%.3f", c.valueA), String(format: "%.3f", c.valueB),
             c.difference.formatted(signed: true) + (c.excludesZero ? " *" : ""), "\(c.users)"]
        }
        return (header, body)
    }

    /// Columns: the metrics of the tasks present, then per-example time and FLOPs of the
    /// first task present (next-item when evaluated).
    public func table() -> (header: [String], rows: [[String]]) {
        let tasks = TaskKind.allCases.filter { t in rows.contains { $0.result(t) != nil } }
        let metricNames: [TaskKind: [(String, String)]] = [
            .nextItem: [("recall@1", "R@1"), ("recall@5", "R@5"), ("recall@10", "R@10"), ("ndcg@10", "NDCG@10")],
            .favoriteGenre: [("accuracy", "genre acc"), ("recall@3", "genre R@3")],
            .review: [("rouge1", "R-1"), ("rouge2", "R-2"), ("rougeL", "R-L"), ("rougeLsum", "R-Lsum")],
        ]
        var header = ["model"]
        for t in tasks { header += metricNames[t]!.map(\.1) }
        let costTask = tasks.first
        if let costTask { header += ["ms/ex (\(costTask.rawValue))", "prompt", "FLOPs/ex"] }
        header += ["train s", "train examples", "train peak"]
        let body = rows.map { row -> [String] in
            var line = [row.name]
            for t in tasks {
                let r = row.result(t)
                line += metricNames[t]!.map { key, _ in
                    if let ci = r?.intervals[key] { return ci.formatted() }
                    return r?.metrics[key].map { String(format: "%.4f", $0) } ?? "-"
                }
            }
            if let costTask {
                if let c = row.result(costTask)?.cost, c.examples > 0 {
                    line += [String(format: "%.2f", c.secondsPerExample * 1000),
                             row.isBaseline ? "-" : String(format: "%.0f", c.promptTokensPerExample),
                             row.isBaseline ? "-" : FLOPCount.format(c.flopsPerExample)]
                } else {
                    line += ["-", "-", "-"]
                }
            }
            line.append(row.trainingSeconds.map { String(format: "%.0f", $0) } ?? "-")
            line.append(row.trainingExamples.map(String.init) ?? "-")
            line.append(row.trainingPeakBytes.map { String(format: "%.0f MiB", Double($0) / 1_048_576) } ?? "-")
            return line
        }
        return (header, body)
    }

    /// The review rows' generated reviews beside the real ones, grouped by user (nil when
    /// no row generated reviews).
    public var reviewSamplesText: String? {
        let models = rows.compactMap { row in row.result(.review).map { (row.name, $0.samples) } }.filter { !$0.1.isEmpty }
        guard let first = models.first else { return nil }
        var lines: [String] = []
        for sample in first.1 {
            lines.append("- user \(sample.user), real: \"\(sample.real)\"")
            for (name, samples) in models {
                if let mine = samples.first(where: { $0.user == sample.user }) { lines.append("  - \(name): \"\(mine.generated)\"") }
            }
        }
        return lines.joined(separator: "\n")
    }

    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    /// Written atomically (temp file, fsync, rename).
    public func write(to url: URL) throws { try AtomicFile.write(try json(), to: url) }
}
