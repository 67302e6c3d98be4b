/// What the first-run screen shows while a run trains (fed by the model side's progress
/// callbacks; the explorer does not know how training works).
public struct TrainingStatus: Sendable, Equatable {
    public enum StageState: Sendable, Equatable {
        case pending, running, done, skipped
    }

    public struct Stage: Sendable, Equatable {
        public var name: String
        public var state: StageState
        public init(name: String, state: StageState) {
            self.name = name
            self.state = state
        }
    }

    /// Shown in the frame title, e.g. "Training movielens-100k · preset small".
    public var title: String
    /// Every stage of the run in order.
    public var stages: [Stage]
    /// The stage running now (nil: between stages, fetching data, saving).
    public var current: String?
    public var step = 0
    public var totalSteps = 0
    /// Training loss of each step of the current stage, oldest first.
    public var losses: [Double] = []
    public var validationLoss: Double?
    /// Over the last few steps (not since the stage began: that lags a change of pace).
    public var tokensPerSecond = 0.0
    /// Mean seconds per step over the last few steps.
    public var secondsPerStep = 0.0
    /// Seconds left in the current stage at the recent pace.
    public var stageETA = 0.0
    /// Seconds left for the whole run (stages not started are estimated from their steps).
    public var totalETA: Double?
    /// The latest line of news ("fetching MovieLens-100K…", "saving the checkpoint…").
    public var note: String
    /// Where the run is saved.
    public var runPath: String

    public init(title: String, stages: [Stage], note: String = "", runPath: String = "") {
        self.title = title
        self.stages = stages
        self.note = note
        self.runPath = runPath
    }

    /// Fraction of the current stage done.
    public var stageFraction: Double { totalSteps > 0 ? Double(step) / Double(totalSteps) : 0 }

    /// The status bar's item: "training encoder 120/400 · run ETA 12 m 03 s" (nil: idle).
    public var statusLine: String? {
        guard let cur = current else { return note.isEmpty ? nil : note }
        let eta = totalETA.map { " · run ETA \(TrainingScreen.duration($0))" } ?? ""
        let steps = totalSteps > 0 ? " \(step)/\(totalSteps)" : ""
        return "training \(cur)\(steps)\(eta)"
    }

    /// Stages finished (done or already there) out of all.
    public var stagesDone: Int { stages.filter { $0.state == .done || $0.state == .skipped }.count }
}
