/// One (history length, variant) cell of `userllm bench train`: a finetuning step
/// (forward, backward, AdamW) on real examples with `historyEvents`-event windows.
public struct TrainingThroughputRow: Codable, Equatable, Sendable {
    public var variant: String
    public var historyEvents: Int
    /// Examples per step (smaller than asked when the attention of a long TP batch would
    /// not fit the memory budget; 0: skipped, see `note`).
    public var batch: Int
    /// Text tokens per example (prompt + answer, mean) and soft-prompt rows per example.
    public var tokensPerExample: Double
    public var prefixRows: Int
    /// Padded sequence length of the batch (prefix rows included).
    public var sequenceLength: Int
    /// Median wall seconds of the timed steps.
    public var stepSeconds: Double
    /// Analytic FLOPs of one step: 3 × the forward (backward ≈ 2 × forward, the usual
    /// convention), the forward counted as in `FLOPs`.
    public var stepFLOPs: Double
    public var note: String?
    /// tp ÷ this variant: how many times more examples per second this variant trains on.
    public var throughputRatio: Double?

    public var examplesPerSecond: Double { stepSeconds > 0 ? Double(batch) / stepSeconds : 0 }
    /// Text tokens (prompt + answer) per second.
    public var tokensPerSecond: Double { stepSeconds > 0 ? tokensPerExample * Double(batch) / stepSeconds : 0 }

    public init(variant: String, historyEvents: Int, batch: Int, tokensPerExample: Double, prefixRows: Int,
                sequenceLength: Int, stepSeconds: Double, stepFLOPs: Double, note: String? = nil) {
        self.variant = variant
        self.historyEvents = historyEvents
        self.batch = batch
        self.tokensPerExample = tokensPerExample
        self.prefixRows = prefixRows
        self.sequenceLength = sequenceLength
        self.stepSeconds = stepSeconds
        self.stepFLOPs = stepFLOPs
        self.note = note
    }
}
