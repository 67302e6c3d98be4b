import NN
import Tensor
import Timelines

/// The user encoder (DESIGN §4): a causal pre-norm transformer over a window of events,
/// one output vector per event — U, the user embeddings the LLM is conditioned on.
///
/// Forward, an `EventBatch` of B windows padded to M events (padding at the end):
///
///   x = item_emb(events) + pos_emb[0..<M]            (B, M, d)     positions from the oldest
///   x = dropout(x)                                                 only while `isTraining`
///   for each block: x = x + drop(attn(attn_norm(x))), causal, padded keys masked
///                   x = x + drop(mlp(mlp_norm(x)))                 GELU MLP (GPT-2 style)
///   (drop: residualDropout, only while `isTraining` and `isPretraining`)
///   U = norm(x)                                       (B, M, d)
///
/// Output row t depends on events 0…t of its window only. Rows past a window's length
/// are computed but meaningless; callers pass `lengths` on (cross-attention key lengths).
/// Names: "item_emb.{item,category,rating,proj}", "pos_emb.weight", "blocks.{i}.…", "norm".
public final class UserEncoder: Module {
    public let config: EncoderConfig
    public let itemEmbedding: ItemEmbedding
    public let positionEmbedding: Embedding
    public let blocks: [TransformerBlock]
    public let norm: LayerNorm
    /// Turns input dropout on (pretraining and finetuning set it; evaluation leaves it off).
    public var isTraining = false
    /// With `isTraining`: pretraining's dropout rates (`pretrainingDropout`, `residualDropout`)
    /// rather than finetuning's (`dropout` alone). The encoder stage sets it.
    public var isPretraining = false
    /// Seeds the dropout masks, so a run replays exactly.
    public var dropoutGenerator: SeededGenerator

    public init(config: EncoderConfig, itemCount: Int, categoryCount: Int, ratingCount: Int,
                generator: inout SeededGenerator) {
        self.config = config
        itemEmbedding = ItemEmbedding(config: config, itemCount: itemCount, categoryCount: categoryCount,
                                      ratingCount: ratingCount, generator: &generator)
        positionEmbedding = Embedding(config.maxEvents, config.dModel, std: config.initStd, generator: &generator)
        var built: [TransformerBlock] = []
        for _ in 0..<config.layers {
            built.append(TransformerBlock(config: config.block, layerCount: config.layers, generator: &generator))
        }
        blocks = built
        norm = LayerNorm(config.dModel, eps: config.normEps, bias: config.bias)
        dropoutGenerator = SeededGenerator(seed: generator.next())
    }

    /// Sized by a run's vocabularies, seeded.
    public convenience init(config: EncoderConfig, vocabularies: FeatureVocabularies, seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        self.init(config: config, itemCount: vocabularies.item.count, categoryCount: vocabularies.category.count,
                  ratingCount: vocabularies.rating.count, generator: &generator)
    }

    /// U: (B, M, d_enc), one vector per event.
    public func callAsFunction(_ batch: EventBatch) -> Tensor {
        let (b, m) = (batch.batchSize, batch.length)
        precondition(m <= config.maxEvents,
                     "the encoder reads at most \(config.maxEvents) events (maxEvents), the batch has \(m)")
        var x = itemEmbedding(batch.inputs, batch: b, length: m)                          // (B, M, d)
        x = x + positionEmbedding.weight.sliced(axis: 0, range: 0..<m)                    // + (M, d)
        let input = isTraining ? (isPretraining ? config.pretrainingDropout ?? config.dropout : config.dropout) : 0
        if input > 0 { x = x.dropout(p: input, generator: &dropoutGenerator) }
        let p = isTraining && isPretraining ? config.residualDropout : 0
        for block in blocks {
            if p > 0 {
                // TransformerBlock's own forward, with dropout on each branch before the add.
                let a = block.attn(block.attnNorm(x), causal: true, keyLengths: batch.lengths)
                x = x + a.dropout(p: p, generator: &dropoutGenerator)
                x = x + block.mlp(block.mlpNorm(x)).dropout(p: p, generator: &dropoutGenerator)
            } else {
                x = block(x, causal: true, keyLengths: batch.lengths)
            }
        }
        return norm(x)
    }

    /// Row `lengths[b] − 1` of each window: h (B, M, d) → (B, d), the state after a
    /// window's last event (what predicts the event after it). The gradient flows back to
    /// those rows only.
    public static func lastStates(_ h: Tensor, lengths: [Int]) -> Tensor {
        let (b, m, d) = (h.shape[0], h.shape[1], h.shape[2])
        precondition(lengths.count == b && lengths.allSatisfy { $0 >= 1 && $0 <= m },
                     "lastStates: lengths \(lengths) for \(b) rows of \(m)")
        let out = Tensor.empty([b, d])
        for (i, n) in lengths.enumerated() { (out.pointer + i * d).update(from: h.pointer + (i * m + n - 1) * d, count: d) }
        return Tensor.record(out, op: "last_states", inputs: [h]) { g, _ in
            guard h.requiresGrad else { return }
            let dh = Tensor.zeros(h.shape)
            for (i, n) in lengths.enumerated() { (dh.pointer + (i * m + n - 1) * d).update(from: g.pointer + i * d, count: d) }
            h.accumulateGrad(dh, owned: true)
        }
    }

    public func parameters() -> [(String, Tensor)] {
        var params = itemEmbedding.parameters(prefix: "item_emb") + positionEmbedding.parameters(prefix: "pos_emb")
        for (i, block) in blocks.enumerated() { params += block.parameters(prefix: "blocks.\(i)") }
        return params + norm.parameters(prefix: "norm")
    }
}
