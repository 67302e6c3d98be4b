import NN
import Tensor
import Timelines

/// Next-event heads of encoder pretraining (DESIGN §4): one Linear per feature from the
/// encoder's output at position t to logits over that feature's vocabulary for event t+1.
/// The item head alone is the encoder baseline recommender. Biases on: they learn each
/// value's prior (item popularity), which the ranking needs.
/// With `tiedItemHead` the item head's weight is the encoder's input item table (SASRec's
/// shared embedding): logits = h·Eᵀ + b, and only "item.bias" is the heads' own.
/// Names: "item.{weight,bias}", "category.{weight,bias}", "rating.{weight,bias}".
public final class EncoderHeads: Module {
    /// Logits per feature, (…, vocabulary size) each.
    public struct Logits {
        public var item: Tensor
        public var category: Tensor
        public var rating: Tensor
    }

    public let item: Linear
    public let category: Linear
    public let rating: Linear

    /// Whether `item.weight` is the encoder's item table (not a parameter of the heads).
    public let tiedItem: Bool

    /// `itemTable`: the encoder's input item embedding (V, d), required exactly when
    /// `config.tiedItemHead` (the head then shares it rather than owning a matrix).
    public init(config: EncoderConfig, itemCount: Int, categoryCount: Int, ratingCount: Int,
                itemTable: Tensor? = nil, generator: inout SeededGenerator) {
        precondition(config.tiedItemHead == (itemTable != nil),
                     "encoder heads: tiedItemHead is \(config.tiedItemHead), so the item table must \(config.tiedItemHead ? "" : "not ")be given")
        tiedItem = config.tiedItemHead
        if let itemTable {
            precondition(itemTable.shape == [itemCount, config.dModel],
                         "encoder heads: tied item table \(itemTable.shape) is not (\(itemCount), \(config.dModel))")
            // Draw the untied matrix anyway so category and rating heads init the same either way.
            _ = Tensor.randn([itemCount, config.dModel], std: config.initStd, generator: &generator)
            item = Linear(weight: itemTable, bias: Tensor.zeros([itemCount], requiresGrad: true))
        } else {
            item = Linear(config.dModel, itemCount, bias: true, std: config.initStd, generator: &generator)
        }
        category = Linear(config.dModel, categoryCount, bias: true, std: config.initStd, generator: &generator)
        rating = Linear(config.dModel, ratingCount, bias: true, std: config.initStd, generator: &generator)
    }

    /// `encoder`: the encoder the heads sit on; its item table is shared when
    /// `config.tiedItemHead` (required then).
    public convenience init(config: EncoderConfig, vocabularies: FeatureVocabularies, seed: UInt64,
                            encoder: UserEncoder? = nil) {
        var generator = SeededGenerator(seed: seed)
        self.init(config: config, itemCount: vocabularies.item.count, categoryCount: vocabularies.category.count,
                  ratingCount: vocabularies.rating.count,
                  itemTable: config.tiedItemHead ? encoder?.itemEmbedding.item.weight : nil, generator: &generator)
    }

    /// h (…, d_enc) → logits per feature.
    public func callAsFunction(_ h: Tensor) -> Logits {
        Logits(item: item(h), category: category(h), rating: rating(h))
    }

    public func parameters() -> [(String, Tensor)] {
        (tiedItem ? [("item.bias", item.bias!)] : item.parameters(prefix: "item")) + category.parameters(prefix: "category") + rating.parameters(prefix: "rating")
    }
}
