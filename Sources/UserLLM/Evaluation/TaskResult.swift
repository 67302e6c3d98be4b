import Timelines

/// One model's (or baseline's) result on one task: named metrics, their bootstrap
/// intervals over users, and the cost.
///
/// Metric names: next-item "recall@1", "recall@5", "recall@10", "ndcg@10"; favourite genre
/// "accuracy", "recall@3"; review "rouge1", "rouge2", "rougeL", "rougeLsum" (F1 means).
public struct TaskResult: Codable, Equatable, Sendable {
    public var task: TaskKind
    public var examples: Int
    public var metrics: [String: Double]
    /// Per metric, its 95% bootstrap interval over users (`Bootstrap`); empty until
    /// `attachIntervals` ran (and in reports written before intervals existed).
    public var intervals: [String: ConfidenceInterval] = [:]
    public var cost: InferenceCost
    /// Per metric, one value per example, in the order of `users` (kept in memory for the
    /// bootstrap and paired comparisons; not written to JSON, where it would be most of the file).
    public var perUser: [String: [Double]] = [:]
    /// The user of each example, so two results pair up user by user.
    public var users: [Int32] = []
    /// Review generation: the first users' generated reviews beside their real ones.
    public var samples: [ReviewSample] = []

    public init(task: TaskKind, examples: Int, metrics: [String: Double], cost: InferenceCost,
                perUser: [String: [Double]] = [:], users: [Int32] = []) {
        self.task = task
        self.examples = examples
        self.metrics = metrics
        self.cost = cost
        self.perUser = perUser
        self.users = users
    }

    private enum CodingKeys: String, CodingKey { case task, examples, metrics, intervals, cost, samples }

    /// Equal as written to JSON (the per-user values are not).
    public static func == (a: TaskResult, b: TaskResult) -> Bool {
        a.task == b.task && a.examples == b.examples && a.metrics == b.metrics && a.intervals == b.intervals
            && a.cost == b.cost && a.samples == b.samples
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        task = try c.decode(TaskKind.self, forKey: .task)
        examples = try c.decode(Int.self, forKey: .examples)
        metrics = try c.decode([String: Double].self, forKey: .metrics)
        intervals = try c.decodeIfPresent([String: ConfidenceInterval].self, forKey: .intervals) ?? [:]
        cost = try c.decode(InferenceCost.self, forKey: .cost)
        samples = try c.decodeIfPresent([ReviewSample].self, forKey: .samples) ?? []
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(task, forKey: .task)
        try c.encode(examples, forKey: .examples)
        try c.encode(metrics, forKey: .metrics)
        try c.encode(intervals, forKey: .intervals)
        try c.encode(cost, forKey: .cost)
        if !samples.isEmpty { try c.encode(samples, forKey: .samples) }
    }

    /// Next-item (or genre) metrics from a ranking accumulator; `users`: the user of each
    /// ranking added, in order.
    public static func ranking(_ task: TaskKind, _ m: RankingMetrics, cost: InferenceCost, users: [Int32] = []) -> TaskResult {
        var perUser: [String: [Double]] = [:]
        if task == .favoriteGenre {
            for k in m.cutoffs { perUser[k == 1 ? "accuracy" : "recall@\(k)"] = m.recallValues(at: k) }
        } else {
            for k in m.cutoffs { perUser["recall@\(k)"] = m.recallValues(at: k) }
            if let top = m.cutoffs.max() { perUser["ndcg@\(top)"] = m.ndcgValues(at: top) }
        }
        return TaskResult(task: task, examples: m.users, metrics: perUser.mapValues(mean), cost: cost,
                          perUser: perUser, users: users)
    }

    public static func review(_ r: RougeSummary, cost: InferenceCost, users: [Int32] = [],
                              samples: [ReviewSample] = []) -> TaskResult {
        let perUser = ["rouge1": r.rouge1Values, "rouge2": r.rouge2Values, "rougeL": r.rougeLValues,
                       "rougeLsum": r.rougeLsumValues]
        var result = TaskResult(task: .review, examples: r.count, metrics: perUser.mapValues(mean), cost: cost,
                                perUser: perUser, users: users)
        result.samples = samples
        return result
    }

    /// Fills `intervals` from the per-user values.
    public mutating func attachIntervals(_ bootstrap: Bootstrap) {
        for (name, values) in perUser { intervals[name] = bootstrap.interval(values) }
    }

    private static func mean(_ v: [Double]) -> Double { v.isEmpty ? 0 : v.reduce(0, +) / Double(v.count) }
}
