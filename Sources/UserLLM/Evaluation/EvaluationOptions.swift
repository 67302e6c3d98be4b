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
    /// Beam width of next-item ranking; nil: the largest cut-off. A wider beam ranks the top
    /// of the catalogue more exactly: 10 beams spend their slots on prefixes shared by many
    /// titles ("Star …") and miss titles the model scores higher.
    public var beams: Int?
    /// Also check each model's next-item search against its exact ranking on this many
    /// users (`ExactRankingCheck`; slow: a beam as wide as the catalogue). nil: no check.
    public var exactRankingUsers: Int?
    /// The intervals of every metric (per-user resampling, fixed seed).
    public var bootstrap = Bootstrap()

    public init(tasks: [TaskKind]? = nil, limit: Int? = nil, baselines: Bool = true, beams: Int? = nil) {
        self.tasks = tasks
        self.limit = limit
        self.baselines = baselines
        self.beams = beams
    }
}
