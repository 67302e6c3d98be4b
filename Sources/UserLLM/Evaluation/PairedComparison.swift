import Timelines

/// Model A against model B on one metric, user by user: both values over the users they
/// share, and the mean difference A − B with its paired bootstrap interval. The difference
/// is "significant" at the bootstrap's level when the interval excludes 0.
public struct PairedComparison: Codable, Equatable, Sendable {
    public var a: String
    public var b: String
    public var task: TaskKind
    public var metric: String
    public var users: Int
    public var valueA: Double
    public var valueB: Double
    public var difference: ConfidenceInterval

    public init(a: String, b: String, task: TaskKind, metric: String, users: Int, valueA: Double, valueB: Double,
                difference: ConfidenceInterval) {
        self.a = a
        self.b = b
        self.task = task
        self.metric = metric
        self.users = users
        self.valueA = valueA
        self.valueB = valueB
        self.difference = difference
    }

    public var excludesZero: Bool { difference.low > 0 || difference.high < 0 }

    /// Every metric both results have, paired by user (users only one side evaluated are
    /// left out, so `--limit` runs and full runs never pair wrongly).
    public static func compare(_ a: String, _ ra: TaskResult, _ b: String, _ rb: TaskResult,
                               bootstrap: Bootstrap) -> [PairedComparison] {
        // Index B's examples by user; pair A's in A's order.
        var indexB: [Int32: Int] = [:]
        for (i, u) in rb.users.enumerated() where indexB[u] == nil { indexB[u] = i }
        let pairs: [(Int, Int)] = ra.users.count == ra.examples && rb.users.count == rb.examples
            ? ra.users.enumerated().compactMap { i, u in indexB[u].map { (i, $0) } }
            : (0..<min(ra.examples, rb.examples)).map { ($0, $0) }
        return ra.perUser.keys.sorted().compactMap { metric in
            guard let va = ra.perUser[metric], let vb = rb.perUser[metric] else { return nil }
            let xa = pairs.map { va[$0.0] }, xb = pairs.map { vb[$0.1] }
            let n = Double(max(pairs.count, 1))
            return PairedComparison(a: a, b: b, task: ra.task, metric: metric, users: pairs.count,
                                    valueA: xa.reduce(0, +) / n, valueB: xb.reduce(0, +) / n,
                                    difference: bootstrap.pairedDifference(xa, xb))
        }
    }
}
