import Foundation

/// Beam search: `beams` hypotheses; finished ones keep their slot (so K = 1 is greedy and
/// the result is the top `beams` complete answers, best first).
public struct BeamSearchConfig: Codable, Equatable, Sendable {
    /// Beam width = answers returned. 10: next-item reports Recall@10 / NDCG@10.
    public var beams: Int = 10
    /// Scores are logP / length^α. 0 (default): the plain sequence log-probability, the
    /// model's own ranking of complete answers, which the ranking metrics want.
    public var lengthPenalty: Double = 0

    public init(beams: Int = 10, lengthPenalty: Double = 0) {
        precondition(beams > 0, "beam search needs at least one beam")
        self.beams = beams
        self.lengthPenalty = lengthPenalty
    }

    func score(logProb: Double, length: Int) -> Double {
        lengthPenalty == 0 ? logProb : logProb / pow(Double(max(length, 1)), lengthPenalty)
    }
}
