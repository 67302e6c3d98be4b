import AtomicIO
import Foundation
import Timelines

/// The same evaluation repeated over runs that differ only in their seed (`userllm train
/// --seed N`), summarised per row and metric: the mean over seeds and the seeds' spread.
///
/// A bootstrap interval says how much a figure would move with other users; the spread says
/// how much it moves with another training run on the same users. The README's headline rows
/// need both, so a claim does not rest on one lucky initialisation.
public struct SeedSummary: Codable, Equatable, Sendable {
    /// One metric of one row over the seeds.
    public struct Metric: Codable, Equatable, Sendable {
        public var task: TaskKind
        public var metric: String
        /// One value per report, in the order given.
        public var values: [Double]
        public var mean: Double
        /// Sample standard deviation (n − 1); 0 for a single seed.
        public var standardDeviation: Double
        public var min: Double
        public var max: Double
        /// The mean over seeds of each report's bootstrap interval bounds, where the reports have them.
        public var meanInterval: ConfidenceInterval?

        /// "0.196 ± 0.004 (0.191–0.200)": mean ± sample SD (min–max over seeds).
        public func formatted(decimals: Int = 3) -> String {
            let f = { (v: Double) in String(format: "%.\(decimals)f", v) }
            return "\(f(mean)) ± \(f(standardDeviation)) (\(f(min))–\(f(max)))"
        }
    }

    public struct Row: Codable, Equatable, Sendable {
        public var name: String
        public var metrics: [Metric]
        /// Mean training seconds over the seeds that recorded them.
        public var meanTrainingSeconds: Double?
    }

    public var dataset: String
    public var users: Int
    public var split: String
    /// The runs summarised, in order (one per seed).
    public var runs: [String]
    public var rows: [Row]

    /// Rows present in every report; the reports must share dataset, part, users and split,
    /// or the seeds' figures would not be of the same test set — and the LLM's arithmetic.
    public static func summarise(_ reports: [EvaluationReport]) throws -> SeedSummary {
        guard let first = reports.first else { throw SeedSummaryError("no reports to summarise") }
        for r in reports.dropFirst() {
            for (what, a, b) in [("dataset", first.dataset, r.dataset), ("part", first.part, r.part),
                                 ("users", "\(first.users)", "\(r.users)"), ("split", first.split, r.split),
                                 ("arithmetic", first.precision, r.precision)] where a != b {
                throw SeedSummaryError("\(r.run): \(what) is \(b), but \(first.run) has \(a); seeds must be evaluated alike, on the same test set")
            }
        }
        var rows: [Row] = []
        for row in first.rows {
            let matches = reports.map { r in r.rows.first { $0.name == row.name } }
            guard matches.allSatisfy({ $0 != nil }) else { continue }
            let same = matches.map { $0! }
            var metrics: [Metric] = []
            for task in TaskKind.allCases {
                let results = same.compactMap { $0.result(task) }
                guard results.count == same.count else { continue }
                for key in results[0].metrics.keys.sorted() {
                    let values = results.compactMap { $0.metrics[key] }
                    guard values.count == results.count else { continue }
                    let intervals = results.compactMap { $0.intervals[key] }
                    let meanInterval = intervals.count == results.count
                        ? ConfidenceInterval(value: mean(intervals.map(\.value)), low: mean(intervals.map(\.low)),
                                             high: mean(intervals.map(\.high)))
                        : nil
                    metrics.append(Metric(task: task, metric: key, values: values, mean: mean(values),
                                          standardDeviation: sampleStandardDeviation(values),
                                          min: values.min()!, max: values.max()!, meanInterval: meanInterval))
                }
            }
            let seconds = same.compactMap(\.trainingSeconds)
            rows.append(Row(name: row.name, metrics: metrics, meanTrainingSeconds: seconds.isEmpty ? nil : mean(seconds)))
        }
        return SeedSummary(dataset: first.dataset, users: first.users, split: first.split, runs: reports.map(\.run), rows: rows)
    }

    /// A report written by `userllm eval`: `path` is the JSON file, or a run directory whose
    /// `eval.json` is read. Reports are a few hundred kB; 64 MB is far past any real one.
    public static func loadReport(_ path: String) throws -> EvaluationReport {
        var url = URL(fileURLWithPath: path)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            url = url.appendingPathComponent("eval.json")
        }
        let data: Data
        do { data = try FileBytes.read(url, limit: 64 << 20) } catch {
            throw SeedSummaryError("\(url.path): \(error) (run `userllm eval --run DIR` first)")
        }
        do { return try JSONDecoder().decode(EvaluationReport.self, from: data) } catch {
            throw SeedSummaryError("\(url.path): not an evaluation report: \(RunError.describe(error))")
        }
    }

    /// Columns: model, seeds, then every metric present as "mean ± sd (min–max)".
    public func table() -> (header: [String], rows: [[String]]) {
        let columns: [(TaskKind, String, String)] = [
            (.nextItem, "recall@1", "R@1"), (.nextItem, "recall@5", "R@5"), (.nextItem, "recall@10", "R@10"),
            (.nextItem, "ndcg@10", "NDCG@10"), (.favoriteGenre, "accuracy", "genre acc"), (.favoriteGenre, "recall@3", "genre R@3"),
            (.review, "rouge1", "R-1"), (.review, "rouge2", "R-2"), (.review, "rougeL", "R-L"), (.review, "rougeLsum", "R-Lsum"),
        ].filter { c in rows.contains { $0.metrics.contains { $0.task == c.0 && $0.metric == c.1 } } }
        let header = ["model", "seeds"] + columns.map(\.2) + ["train s (mean)"]
        let body = rows.map { row -> [String] in
            [row.name, "\(runs.count)"]
                + columns.map { c in row.metrics.first { $0.task == c.0 && $0.metric == c.1 }?.formatted() ?? "-" }
                + [row.meanTrainingSeconds.map { String(format: "%.0f", $0) } ?? "-"]
        }
        return (header, body)
    }

    public var footnote: String {
        "mean ± sample standard deviation (min–max) over \(runs.count) seeds, \(users) users each. split: \(split)."
    }

    private static func mean(_ v: [Double]) -> Double { v.reduce(0, +) / Double(v.count) }

    private static func sampleStandardDeviation(_ v: [Double]) -> Double {
        guard v.count > 1 else { return 0 }
        let m = mean(v)
        return (v.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(v.count - 1)).squareRoot()
    }
}

/// Reports that cannot be summarised together, with the reason.
public struct SeedSummaryError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
