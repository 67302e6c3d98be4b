/// A generated continuation (greedy, sampled, or one beam).
public struct Generation: Equatable, Sendable {
    /// New tokens, without the stop token.
    public var tokens: [Int32]
    /// Σ log p(token) under the model (temperature 1), the stop token included when reached.
    public var logProb: Double
    /// Ranking score (logProb, or length-normalised for beams).
    public var score: Double
    /// True when a stop token ended it (false: the token limit did).
    public var finished: Bool

    public init(tokens: [Int32], logProb: Double, score: Double, finished: Bool) {
        self.tokens = tokens
        self.logProb = logProb
        self.score = score
        self.finished = finished
    }
}
