/// Where a mode's model stands while the run trains in the background: what its column in
/// the task panel shows until its checkpoint exists (then it answers).
public struct ModeTraining: Sendable, Equatable {
    public enum State: Sendable, Equatable {
        /// Waiting for earlier stages (`waitingFor`: the stage running now).
        case queued
        /// Its own stage, or a stage it needs (the shared LM), is training.
        case training
    }

    public var state: State
    /// The stage the column reports: the model's own, or the one it waits on.
    public var stage: String
    public var step = 0
    public var totalSteps = 0
    /// Seconds until this mode's model is ready (nil: not estimated yet).
    public var eta: Double?
    /// Training losses of the stage, oldest first (the sparkline).
    public var losses: [Double] = []

    public init(state: State, stage: String, step: Int = 0, totalSteps: Int = 0, eta: Double? = nil, losses: [Double] = []) {
        self.state = state
        self.stage = stage
        self.step = step
        self.totalSteps = totalSteps
        self.eta = eta
        self.losses = losses
    }

    /// One line: "queued · ready in ~4 m 10 s" / "training lm 120/400 · ready in 2 m 05 s".
    public var summary: String {
        let ready = eta.map { " · ready in ~\(TrainingScreen.duration($0))" } ?? ""
        switch state {
        case .queued: return "queued for training\(ready)"
        case .training:
            // The tokenizer has no steps to count.
            let steps = totalSteps > 0 ? " \(step)/\(totalSteps)" : ""
            return "training \(stage)\(steps)\(ready)"
        }
    }
}
