/// One answer of a ranked list (constrained beam search over the valid answers).
public struct RankedAnswer: Hashable, Sendable {
    public var text: String
    /// Log-probability of the answer under the model (sum over its tokens).
    public var logProbability: Double

    public init(text: String, logProbability: Double) {
        self.text = text
        self.logProbability = logProbability
    }
}

/// What one mode produced for one query, with its measured cost.
public struct ModeResult: Hashable, Sendable {
    /// `ModeDescriptor.id` of the mode that produced it.
    public var mode: String
    /// Best first, at most `TaskQuery.topK`; for `review` the generated text (one entry).
    public var answers: [RankedAnswer]
    /// Wall-clock seconds for this inference (encoding + prompt + decoding), measured.
    public var latency: Double
    /// Tokens in the LLM's prompt (TP: the history as text; embedding modes: the question).
    public var promptTokens: Int
    /// Analytic floating-point operations of the inference (UserLLM's FLOPs accounting).
    public var flops: Double
    /// Task metrics where they apply, e.g. ["ROUGE-L": 0.21] for a generated review.
    public var metrics: [String: Double]

    public init(mode: String, answers: [RankedAnswer], latency: Double, promptTokens: Int, flops: Double, metrics: [String: Double] = [:]) {
        self.mode = mode
        self.answers = answers
        self.latency = latency
        self.promptTokens = promptTokens
        self.flops = flops
        self.metrics = metrics
    }
}
