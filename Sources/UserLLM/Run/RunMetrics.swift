/// metrics.json: which stages are done, with their numbers. A stage is done when it has an
/// entry here and its artifact exists; `userllm train` runs the others.
public struct RunMetrics: Codable, Equatable, Sendable {
    public struct Stage: Codable, Equatable, Sendable {
        public var seconds: Double
        /// The training record; nil for the tokenizer.
        public var training: TrainerResult?
        /// Free-form facts (tokenizer size, corpus texts, trainable parameters, …).
        public var notes: [String: String]
        /// Encoder pretraining: validation NDCG@10 / Recall@10 against steps and wall time.
        public var learningCurve: [EncoderLearningPoint]?

        public init(seconds: Double, training: TrainerResult?, notes: [String: String] = [:],
                    learningCurve: [EncoderLearningPoint]? = nil) {
            self.seconds = seconds
            self.training = training
            self.notes = notes
            self.learningCurve = learningCurve
        }
    }

    public var stages: [String: Stage] = [:]

    public init() {}
}
