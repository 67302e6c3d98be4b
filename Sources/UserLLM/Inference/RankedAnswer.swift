/// One complete answer of constrained beam search: a path of the `AnswerTrie`.
public struct RankedAnswer: Equatable, Sendable {
    /// The answer indices sharing this token sequence (duplicate titles share a node),
    /// only those the mask allows.
    public var answers: [Int32]
    /// The answer's tokens, end token included (= `AnswerTrie.sequences[answers[0]]`).
    public var tokens: [Int32]
    /// log p(tokens | prompt) under the model.
    public var logProb: Double
    /// Ranking score (logProb unless a length penalty is set).
    public var score: Double

    public init(answers: [Int32], tokens: [Int32], logProb: Double, score: Double) {
        self.answers = answers
        self.tokens = tokens
        self.logProb = logProb
        self.score = score
    }
}
