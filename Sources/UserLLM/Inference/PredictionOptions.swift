import Timelines

/// How `Predictor` answers an example.
public struct PredictionOptions: Codable, Equatable, Sendable {
    /// Beam width for the closed tasks (nil: the task's default — 10 for next-item, for
    /// Recall@10 / NDCG@10; 3 for favourite-genre, for Recall@3). For review, a width > 1
    /// runs unconstrained beam search instead of greedy decoding.
    public var beams: Int?
    /// Sample instead (unconstrained, even for the closed tasks: shows what the model
    /// writes freely).
    public var sampling: SamplingConfig?
    /// Longest free-text answer (nil: the run's review budget, maxAnswerTokens).
    public var maxNewTokens: Int?

    public init(beams: Int? = nil, sampling: SamplingConfig? = nil, maxNewTokens: Int? = nil) {
        self.beams = beams
        self.sampling = sampling
        self.maxNewTokens = maxNewTokens
    }

    public static func defaultBeams(_ task: TaskKind) -> Int {
        switch task {
        case .nextItem: return 10
        case .favoriteGenre: return 3
        case .review: return 1
        }
    }
}
