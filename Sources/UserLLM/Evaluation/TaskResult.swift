import Timelines

/// One model's (or baseline's) result on one task: named metrics and the cost.
///
/// Metric names: next-item "recall@1", "recall@5", "recall@10", "ndcg@10"; favourite genre
/// "accuracy", "recall@3"; review "rouge1", "rouge2", "rougeL", "rougeLsum" (F1 means).
public struct TaskResult: Codable, Equatable, Sendable {
    public var task: TaskKind
    public var examples: Int
    public var metrics: [String: Double]
    public var cost: InferenceCost

    public init(task: TaskKind, examples: Int, metrics: [String: Double], cost: InferenceCost) {
        self.task = task
        self.examples = examples
        self.metrics = metrics
        self.cost = cost
    }

    /// Next-item metrics from a ranking accumulator.
    public static func ranking(_ task: TaskKind, _ m: RankingMetrics, cost: InferenceCost) -> TaskResult {
        var metrics: [String: Double] = [:]
        if task == .favoriteGenre {
            for k in m.cutoffs { metrics[k == 1 ? "accuracy" : "recall@\(k)"] = m.recall(at: k) }
        } else {
            for k in m.cutoffs { metrics["recall@\(k)"] = m.recall(at: k) }
            if let top = m.cutoffs.max() { metrics["ndcg@\(top)"] = m.ndcg(at: top) }
        }
        return TaskResult(task: task, examples: m.users, metrics: metrics, cost: cost)
    }

    public static func review(_ r: RougeSummary, cost: InferenceCost) -> TaskResult {
        TaskResult(task: .review, examples: r.count,
                   metrics: ["rouge1": r.rouge1, "rouge2": r.rouge2, "rougeL": r.rougeL, "rougeLsum": r.rougeLsum],
                   cost: cost)
    }
}
