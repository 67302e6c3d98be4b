import NN
import Tensor
import Timelines

/// Next-event heads of encoder pretraining (DESIGN §4): one Linear per feature from the
/// encoder's output at position t to logits over that feature's vocabulary for event t+1.
/// The item head alone is the encoder baseline recommender. Biases on: they learn each
/// value's prior (item popularity), which the ranking needs.
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

    public init(config: EncoderConfig, itemCount: Int, categoryCount: Int, ratingCount: Int,
                generator: inout SeededGenerator) {
        item = Linear(config.dModel, itemCount, bias: true, std: config.initStd, generator: &generator)
        category = Linear(config.dModel, categoryCount, bias: true, std: config.initStd, generator: &generator)
        rating = Linear(config.dModel, ratingCount, bias: true, std: config.initStd, generator: &generator)
    }

    public convenience init(config: EncoderConfig, vocabularies: FeatureVocabularies, seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        self.init(config: config, itemCount: vocabularies.item.count, categoryCount: vocabularies.category.count,
                  ratingCount: vocabularies.rating.count, generator: &generator)
    }

    /// h (…, d_enc) → logits per feature.
    public func callAsFunction(_ h: Tensor) -> Logits {
        Logits(item: item(h), category: category(h), rating: rating(h))
    }

    public func parameters() -> [(String, Tensor)] {
        item.parameters(prefix: "item") + category.parameters(prefix: "category") + rating.parameters(prefix: "rating")
    }
}
