import Timelines

/// One answered example: the answers best first, where the target landed, what it cost.
public struct Prediction: Sendable {
    public struct Answer: Codable, Equatable, Sendable {
        public var text: String
        /// log p(answer tokens + <|eos|> | prompt).
        public var logProb: Double
        public var score: Double
        public var tokens: Int

        public init(text: String, logProb: Double, score: Double, tokens: Int) {
            self.text = text
            self.logProb = logProb
            self.score = score
            self.tokens = tokens
        }
    }

    public var example: Example
    /// Closed tasks: the ranked catalogue entries (history masked). Review and sampling:
    /// the generated text(s).
    public var answers: [Answer]
    /// Position of the expected answer among `answers` (closed tasks; by name), nil: absent.
    public var targetRank: Int?
    public var stats: PredictionStats

    public var isHit: Bool { targetRank != nil }
}
