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
    /// Finetuning examples the model saw (steps × batch, all tasks of the mixture): the
    /// budgets of TP and the embedding modes differ, and this column says by how much.
    public var trainingExamples: Int?
    /// Peak resident memory of its finetuning process (weights, gradients, optimiser state,
    /// activations): what each strategy costs to train. nil for runs that did not record it.
    public var trainingPeakBytes: Int?

    public init(name: String, isBaseline: Bool, results: [TaskResult], trainingSeconds: Double? = nil,
                trainingExamples: Int? = nil) {
        self.name = name
        self.isBaseline = isBaseline
        self.results = results
        self.trainingSeconds = trainingSeconds
        self.trainingExamples = trainingExamples
    }

    public func result(_ task: TaskKind) -> TaskResult? { results.first { $0.task == task } }
}
