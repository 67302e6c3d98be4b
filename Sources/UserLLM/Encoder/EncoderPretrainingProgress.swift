/// What the pretrainer reports after each step (for a progress bar and the run's log).
public struct EncoderPretrainingProgress: Sendable {
    /// Steps done so far (1-based after the first step).
    public var step: Int
    public var totalSteps: Int
    public var loss: EncoderLoss
    public var learningRate: Float
    /// Global gradient norm before clipping.
    public var gradientNorm: Float
    /// Windows per second over the run so far.
    public var examplesPerSecond: Double
    /// Real (non-padding) input events per second over the run so far.
    public var eventsPerSecond: Double
    public var elapsedSeconds: Double
}
