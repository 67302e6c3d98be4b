/// One step's report to a progress display.
public struct TrainerProgress: Sendable {
    public var stage: String
    /// Steps done so far (1-based after the first step).
    public var step: Int
    public var totalSteps: Int
    public var loss: Float
    public var learningRate: Float
    public var tokensPerSecond: Double
    /// Seconds left at the current pace.
    public var eta: Double
    /// Set on the steps that ran a validation.
    public var validationLoss: Float?
}
