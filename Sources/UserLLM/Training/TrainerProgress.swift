/// One step's report to a progress display.
public struct TrainerProgress: Sendable {
    public var stage: String
    /// Steps done so far (1-based after the first step).
    public var step: Int
    public var totalSteps: Int
    public var loss: Float
    public var learningRate: Float
    /// Over the last few steps (`StepPace`), not since the stage began.
    public var tokensPerSecond: Double
    /// Seconds left in the stage at the recent pace (`StepPace`: the last few steps, and
    /// the last validation's time for each validation still due).
    public var eta: Double
    /// Mean seconds per step over the last few steps.
    public var secondsPerStep: Double = 0
    /// Set on the steps that ran a validation.
    public var validationLoss: Float?
}
