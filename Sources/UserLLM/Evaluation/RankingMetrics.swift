/// Top-K metrics for next-item prediction, one target per user (leave-last-out), as in
/// RecBole's sequential benchmarks: Recall@K is then the hit rate, NDCG@K the
/// discounted gain of the single relevant item.
public struct RankingMetrics: Sendable, Codable, Equatable {
    public private(set) var users = 0
    private var hits: [Int: Double] = [:]
    private var ndcg: [Int: Double] = [:]
    public let cutoffs: [Int]

    public init(cutoffs: [Int] = [1, 5, 10]) { self.cutoffs = cutoffs }

    /// Adds one user's ranking (best first; already free of masked history items).
    public mutating func add<ID: Equatable>(ranking: [ID], target: ID) {
        users += 1
        let rank = ranking.firstIndex(of: target)
        for k in cutoffs {
            guard let rank, rank < k else { continue }
            hits[k, default: 0] += 1
            ndcg[k, default: 0] += 1 / log2(Double(rank) + 2)
        }
    }

    public func recall(at k: Int) -> Double { users > 0 ? (hits[k] ?? 0) / Double(users) : 0 }
    public func ndcg(at k: Int) -> Double { users > 0 ? (ndcg[k] ?? 0) / Double(users) : 0 }

    /// Merges counts from another shard of users (evaluation runs in parallel).
    public mutating func merge(_ other: RankingMetrics) {
        precondition(cutoffs == other.cutoffs, "merging metrics with different cut-offs")
        users += other.users
        for (k, v) in other.hits { hits[k, default: 0] += v }
        for (k, v) in other.ndcg { ndcg[k, default: 0] += v }
    }
}

import Foundation
