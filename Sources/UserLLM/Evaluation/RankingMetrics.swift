import Foundation

/// Top-K metrics for next-item prediction, one target per user (leave-last-out), as in
/// RecBole's sequential benchmarks: Recall@K is then the hit rate, NDCG@K the
/// discounted gain of the single relevant item.
///
/// Each user's rank of the target is kept (not only the sums), so the metrics can be
/// bootstrapped over users and two models compared user by user.
public struct RankingMetrics: Sendable, Codable, Equatable {
    public var users: Int { ranks.count }
    /// Per user, in the order added: the 0-based rank of the target in the ranking, −1 when
    /// the ranking (as long as the largest cut-off) missed it.
    public private(set) var ranks: [Int] = []
    public let cutoffs: [Int]

    public init(cutoffs: [Int] = [1, 5, 10]) { self.cutoffs = cutoffs }

    /// Adds one user's ranking (best first; already free of masked history items).
    public mutating func add<ID: Equatable>(ranking: [ID], target: ID) {
        ranks.append(ranking.firstIndex(of: target) ?? -1)
    }

    /// Per user: 1 when the target is in the top k, else 0.
    public func recallValues(at k: Int) -> [Double] { ranks.map { $0 >= 0 && $0 < k ? 1 : 0 } }

    /// Per user: 1 / log2(rank + 2) when the target is in the top k, else 0.
    public func ndcgValues(at k: Int) -> [Double] { ranks.map { $0 >= 0 && $0 < k ? 1 / log2(Double($0) + 2) : 0 } }

    public func recall(at k: Int) -> Double { mean(recallValues(at: k)) }
    public func ndcg(at k: Int) -> Double { mean(ndcgValues(at: k)) }

    private func mean(_ v: [Double]) -> Double { v.isEmpty ? 0 : v.reduce(0, +) / Double(v.count) }

    /// Appends another shard of users (evaluation runs in parallel).
    public mutating func merge(_ other: RankingMetrics) {
        precondition(cutoffs == other.cutoffs, "merging metrics with different cut-offs")
        ranks += other.ranks
    }
}
