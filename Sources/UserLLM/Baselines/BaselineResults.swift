import Timelines

/// Next-item metrics of the baselines for the results table (DESIGN §5): most-popular
/// and, when an encoder is given, the encoder's item head alone.
public struct BaselineResults: Codable, Sendable {
    public var mostPopular: RankingMetrics
    public var encoder: RankingMetrics?

    public init(mostPopular: RankingMetrics, encoder: RankingMetrics?) {
        self.mostPopular = mostPopular
        self.encoder = encoder
    }

    /// Evaluates both on `part` (default test: one example per user), Recall@1/5/10 and
    /// NDCG@10 by default. The encoder's windows are the builder's (ExampleConfig.windowLength).
    public static func evaluate(builder: ExampleBuilder, encoder: EncoderRecommender? = nil, part: SplitPart = .test,
                                cutoffs: [Int] = [1, 5, 10]) -> BaselineResults {
        let examples = builder.examples(.nextItem, part)
        return BaselineResults(mostPopular: MostPopular(builder: builder).evaluate(examples, builder: builder, cutoffs: cutoffs),
                               encoder: encoder?.evaluate(examples, builder: builder, cutoffs: cutoffs))
    }
}
