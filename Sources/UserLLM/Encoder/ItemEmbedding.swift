import NN
import Tensor
import Timelines

/// One event as a vector (DESIGN §4): per-feature embedding tables, the multi-valued
/// category feature averaged over the event's categories, concatenated and projected:
///
///   e = concat([item_emb(item), mean_c cat_emb(c), rating_emb(rating)])   (B, M, di + dc + dr)
///   out = proj(e)                                                        (B, M, d_enc)
///
/// An event without categories (or a padding slot) gets a zero category part.
/// Names: "item.weight", "category.weight", "rating.weight", "proj.weight" (+ "proj.bias").
public final class ItemEmbedding: Module {
    public let item: Embedding
    public let category: Embedding
    public let rating: Embedding
    public let proj: Linear

    public init(config: EncoderConfig, itemCount: Int, categoryCount: Int, ratingCount: Int,
                generator: inout SeededGenerator) {
        item = Embedding(itemCount, config.itemDim, std: config.initStd, generator: &generator)
        category = Embedding(categoryCount, config.categoryDim, std: config.initStd, generator: &generator)
        rating = Embedding(ratingCount, config.ratingDim, std: config.initStd, generator: &generator)
        proj = Linear(config.itemDim + config.categoryDim + config.ratingDim, config.dModel, bias: config.bias,
                      std: config.initStd, generator: &generator)
    }

    /// Features laid out (B, M) (categories (B, M, C)) → (B, M, d_enc).
    public func callAsFunction(_ f: EventBatch.Features, batch: Int, length: Int) -> Tensor {
        let shape = [batch, length]
        let slots = f.categoryIDs.count / max(1, batch * length)
        let parts = [item(f.itemIDs, shape: shape),
                     Self.meanEmbedding(category.weight, ids: f.categoryIDs, slots: slots, shape: shape),
                     rating(f.ratingIDs, shape: shape)]
        return proj(Tensor.concat(parts, axis: -1))  // (B, M, di + dc + dr) → (B, M, d)
    }

    /// Per group of `slots` ids, the mean of the table rows of its non-PAD ids (zeros when
    /// all are PAD): table (V, D), ids (N·slots) → (shape..., D), N = shape's product.
    /// Backward: each used row receives the group's gradient divided by its count.
    public static func meanEmbedding(_ table: Tensor, ids: [Int32], slots: Int, shape: [Int]) -> Tensor {
        let n = shape.reduce(1, *), d = table.shape[1], vocab = table.shape[0]
        precondition(table.rank == 2 && ids.count == n * slots, "meanEmbedding: \(ids.count) ids for \(n) groups of \(slots)")
        if let bad = ids.first(where: { $0 < 0 || Int($0) >= vocab }) {
            preconditionFailure("meanEmbedding: id \(bad) outside vocabulary of \(vocab)")
        }
        let inverseCounts: [Float] = (0..<n).map { g in
            let real = ids[(g * slots)..<((g + 1) * slots)].reduce(0) { $0 + ($1 == Vocabulary.pad ? 0 : 1) }
            return real > 0 ? 1 / Float(real) : 0
        }
        let out = Tensor.zeros(shape + [d])
        let src = table.pointer, dst = out.pointer
        for g in 0..<n where inverseCounts[g] > 0 {
            let row = dst + g * d, w = inverseCounts[g]
            for s in 0..<slots {
                let id = ids[g * slots + s]
                guard id != Vocabulary.pad else { continue }
                let t = src + Int(id) * d
                for j in 0..<d { row[j] += w * t[j] }
            }
        }
        return Tensor.record(out, op: "mean_embedding", inputs: [table]) { g, _ in
            guard table.requiresGrad else { return }
            let dt = Tensor.zeros(table.shape)
            let gp = g.pointer, dp = dt.pointer
            for grp in 0..<n where inverseCounts[grp] > 0 {
                let w = inverseCounts[grp], src = gp + grp * d
                for s in 0..<slots {
                    let id = ids[grp * slots + s]
                    guard id != Vocabulary.pad else { continue }
                    let row = dp + Int(id) * d
                    for j in 0..<d { row[j] += w * src[j] }
                }
            }
            table.accumulateGrad(dt, owned: true)
        }
    }

    public func parameters() -> [(String, Tensor)] {
        item.parameters(prefix: "item") + category.parameters(prefix: "category") + rating.parameters(prefix: "rating")
            + proj.parameters(prefix: "proj")
    }
}
