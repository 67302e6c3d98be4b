/// What a training stage did, for metrics.json and the summary table.
public struct TrainerResult: Codable, Equatable, Sendable {
    public var stage: String
    /// Steps completed (resumed steps included).
    public var steps: Int
    /// Training loss of every step run in this process, with its step number.
    public var trainLosses: [StepLoss]
    /// Validation loss at each evaluation.
    public var validationLosses: [StepLoss]
    public var bestValidationLoss: Float?
    public var stoppedEarly: Bool
    /// Wall-clock seconds spent in this process (a resumed stage counts only its part).
    public var seconds: Double
    /// Tokens (or events) per second over the stage.
    public var tokensPerSecond: Double
    public var resumedFrom: Int

    public struct StepLoss: Codable, Equatable, Sendable {
        public var step: Int
        public var loss: Float
    }

    /// The mean training loss of the first and the last `n` steps recorded.
    public func trainLossEnds(_ n: Int = 10) -> (first: Float, last: Float)? {
        guard !trainLosses.isEmpty else { return nil }
        let k = min(n, trainLosses.count)
        let first = trainLosses.prefix(k).reduce(0) { $0 + $1.loss } / Float(k)
        let last = trainLosses.suffix(k).reduce(0) { $0 + $1.loss } / Float(k)
        return (first, last)
    }
}
