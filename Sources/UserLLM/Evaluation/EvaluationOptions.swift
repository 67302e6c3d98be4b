import Timelines

/// What `Evaluator` runs (DESIGN §5 protocol: test part, one example per user).
public struct EvaluationOptions: Codable, Equatable, Sendable {
    /// nil: every task the run trains that the dataset poses.
    public var tasks: [TaskKind]?
    /// Only the first N users' test examples (quick runs); nil: all.
    public var limit: Int?
    /// Ranking cut-offs for next-item; the beam width is the largest (10).
    public var nextItemCutoffs: [Int] = [1, 5, 10]
    /// Favourite genre: accuracy (@1) and Recall@3; the beam width is the largest.
    public var genreCutoffs: [Int] = [1, 3]
    /// Also evaluate most-popular and the encoder alone (next-item).
    public var baselines = true

    public init(tasks: [TaskKind]? = nil, limit: Int? = nil, baselines: Bool = true) {
        self.tasks = tasks
        self.limit = limit
        self.baselines = baselines
    }
}
