import AtomicIO
import Foundation
import NN
import Timelines

/// The results of `userllm eval`: one row per model and baseline (DESIGN §5), as a table
/// and as JSON.
public struct EvaluationReport: Codable, Equatable, Sendable {
    public var dataset: String
    public var run: String
    public var preset: String
    /// "test": one example per user (leave-last-out).
    public var part: String
    /// Users evaluated (the --limit, or all).
    public var users: Int
    public var rows: [EvaluationRow]

    public init(dataset: String, run: String, preset: String, part: String = "test", users: Int, rows: [EvaluationRow]) {
        self.dataset = dataset
        self.run = run
        self.preset = preset
        self.part = part
        self.users = users
        self.rows = rows
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
        header += ["train s", "train examples"]
        let body = rows.map { row -> [String] in
            var line = [row.name]
            for t in tasks {
                let r = row.result(t)
                line += metricNames[t]!.map { key, _ in r?.metrics[key].map { String(format: "%.4f", $0) } ?? "-" }
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
            return line
        }
        return (header, body)
    }

    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }

    /// Written atomically (temp file, fsync, rename).
    public func write(to url: URL) throws { try AtomicFile.write(try json(), to: url) }
}
