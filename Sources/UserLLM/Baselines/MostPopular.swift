import Timelines

/// The most-popular baseline (DESIGN §5): items ranked by how often they occur in the
/// training part of all timelines, every item the user rated before the target masked.
/// Ties go to the lower dataset item index.
public struct MostPopular: Sendable {
    /// Per dataset item index: training events.
    public let popularity: [Int]
    /// Every item, most popular first.
    public let order: [Int32]

    public init(builder: ExampleBuilder) {
        self.init(popularity: builder.trainingItemPopularity())
    }

    public init(popularity: [Int]) {
        self.popularity = popularity
        order = popularity.indices.sorted { popularity[$0] != popularity[$1] ? popularity[$0] > popularity[$1] : $0 < $1 }
            .map(Int32.init)
    }

    /// The top-k dataset item indices not in `excluded`.
    public func recommend(excluding excluded: Set<Int32>, k: Int) -> [Int32] {
        var out: [Int32] = []
        for item in order where !excluded.contains(item) {
            out.append(item)
            if out.count == k { break }
        }
        return out
    }

    /// Ranking metrics over examples (one per user on the test part), history masked
    /// (`ExampleBuilder.itemsRatedBefore`), hits by dataset item.
    public func evaluate(_ examples: [Example], builder: ExampleBuilder, cutoffs: [Int] = [1, 5, 10]) -> RankingMetrics {
        var metrics = RankingMetrics(cutoffs: cutoffs)
        let k = cutoffs.max() ?? 10
        for ex in examples {
            let target = builder.dataset.events[Int(builder.targetEvent(ex))].item
            metrics.add(ranking: recommend(excluding: builder.itemsRatedBefore(ex), k: k), target: target)
        }
        return metrics
    }
}
