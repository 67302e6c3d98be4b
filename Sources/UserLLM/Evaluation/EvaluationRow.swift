import Timelines

/// One line of the results table: a finetuned model ("xattn+perceiver-full") or a
/// baseline ("most-popular", "encoder").
public struct EvaluationRow: Codable, Equatable, Sendable {
    public var name: String
    public var isBaseline: Bool
    public var results: [TaskResult]
    /// Seconds its finetuning stage took (the encoder baseline: its pretraining); nil when
    /// the run does not record it (most-popular trains nothing).
    public var trainingSeconds: Double?

    public init(name: String, isBaseline: Bool, results: [TaskResult], trainingSeconds: Double? = nil) {
        self.name = name
        self.isBaseline = isBaseline
        self.results = results
        self.trainingSeconds = trainingSeconds
    }

    public func result(_ task: TaskKind) -> TaskResult? { results.first { $0.task == task } }
}
