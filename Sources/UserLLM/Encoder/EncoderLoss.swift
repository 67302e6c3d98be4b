import Tensor
import Timelines

/// Encoder pretraining loss values: the per-feature cross-entropies and their mean (the
/// optimised total). A feature with no target in the batch (a dataset without categories
/// or ratings) is 0 and left out of the mean.
public struct EncoderLoss: Codable, Equatable, Sendable {
    public var total: Float
    public var item: Float
    public var category: Float
    public var rating: Float

    public init(total: Float, item: Float, category: Float, rating: Float) {
        self.total = total
        self.item = item
        self.category = category
        self.rating = rating
    }

    /// Next-event loss of logits against a batch's targets, every position but padding:
    /// item and rating cross-entropy with integer targets (PAD ignored), categories
    /// cross-entropy with soft targets uniform over the next event's categories (events
    /// without categories ignored); the total is the weighted mean over the features present,
    /// the item loss weighing 1 and each other `auxiliaryWeight` (1: the plain mean; 0: the
    /// item loss alone). logits: each (B, M, V_feature). Returns the total on the tape and the values.
    public static func nextEvent(_ logits: EncoderHeads.Logits, targets: EventBatch.Features,
                                 maxCategories c: Int, auxiliaryWeight: Float = 1) -> (total: Tensor, values: EncoderLoss) {
        let vi = logits.item.shape.last!, vc = logits.category.shape.last!, vr = logits.rating.shape.last!
        let item = Tensor.crossEntropy(logits: logits.item.reshaped([-1, vi]), targets: targets.itemIDs,
                                       ignoreIndex: Vocabulary.pad)
        let n = targets.itemIDs.count
        let soft = Tensor.zeros([n, vc])  // (B·M, Vc)
        for row in 0..<n where targets.categoryCounts[row] > 0 {
            let k = Int(targets.categoryCounts[row]), w = 1 / Float(k)
            for j in 0..<k { soft.pointer[row * vc + Int(targets.categoryIDs[row * c + j])] += w }
        }
        let category = Tensor.crossEntropy(logits: logits.category.reshaped([-1, vc]), softTargets: soft)
        let rating = Tensor.crossEntropy(logits: logits.rating.reshaped([-1, vr]), targets: targets.ratingIDs,
                                         ignoreIndex: Vocabulary.pad)
        var auxiliary: [Tensor] = []
        if targets.categoryCounts.contains(where: { $0 > 0 }) { auxiliary.append(category) }
        if targets.ratingIDs.contains(where: { $0 != Vocabulary.pad }) { auxiliary.append(rating) }
        var total = item
        if auxiliaryWeight > 0 {
            for l in auxiliary { total = total + l * auxiliaryWeight }
        }
        total = total * (1 / (1 + auxiliaryWeight * Float(auxiliary.count)))
        return (total, EncoderLoss(total: total.item, item: item.item, category: category.item, rating: rating.item))
    }
}
