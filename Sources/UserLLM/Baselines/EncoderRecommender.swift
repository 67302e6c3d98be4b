import Tensor
import Timelines

/// The encoder-alone baseline (DESIGN §5): the pretraining item head at a window's last
/// event scores every catalogue item as the next one; items the user rated before the
/// target are masked; the top K are the recommendation. Scores are over dataset items, so
/// PAD, UNK and vocabulary entries outside the dataset are never recommended.
public final class EncoderRecommender {
    public let encoder: UserEncoder
    public let heads: EncoderHeads
    public let features: EventFeatures

    public init(encoder: UserEncoder, heads: EncoderHeads, features: EventFeatures) {
        self.encoder = encoder
        self.heads = heads
        self.features = features
    }

    /// Item-head logits after each example's window: (B, item vocabulary). No tape.
    public func scores(_ examples: [Example], builder: ExampleBuilder) -> Tensor {
        Autograd.noGrad {
            let batch = EventBatch(examples: examples, builder: builder, features: features)
            return heads.item(UserEncoder.lastStates(encoder(batch), lengths: batch.lengths))
        }
    }

    /// Per example, the top-k dataset item indices, history masked.
    public func recommend(_ examples: [Example], builder: ExampleBuilder, k: Int) -> [[Int32]] {
        guard !examples.isEmpty else { return [] }
        let logits = scores(examples, builder: builder)
        let v = logits.shape[1], p = logits.pointer
        let itemIDs = features.itemIDs
        return examples.enumerated().map { b, ex in
            let history = builder.itemsRatedBefore(ex)
            return TopK.select(count: itemIDs.count, k: k,
                               score: { p[b * v + Int(itemIDs[$0])] },
                               excluded: { itemIDs[$0] <= Vocabulary.unk || history.contains(Int32($0)) })
                .map(Int32.init)
        }
    }

    /// Ranking metrics over examples (one per user on the test part), hits by dataset item.
    public func evaluate(_ examples: [Example], builder: ExampleBuilder, cutoffs: [Int] = [1, 5, 10],
                         batchSize: Int = 128) -> RankingMetrics {
        var metrics = RankingMetrics(cutoffs: cutoffs)
        let k = cutoffs.max() ?? 10
        for start in stride(from: 0, to: examples.count, by: batchSize) {
            let chunk = Array(examples[start..<min(start + batchSize, examples.count)])
            for (ex, ranking) in zip(chunk, recommend(chunk, builder: builder, k: k)) {
                metrics.add(ranking: ranking, target: builder.dataset.events[Int(builder.targetEvent(ex))].item)
            }
        }
        return metrics
    }
}
