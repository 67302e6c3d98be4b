import Timelines

/// One line of the results table: a finetuned model ("xattn+perceiver-full") or a
/// baseline ("most-popular", "encoder").
public struct EvaluationRow: Codable, Equatable, Sendable {
    public var name: String
    public var isBaseline: Bool
    public var results: [TaskResult]

    public init(name: String, isBaseline: Bool, results: [TaskResult]) {
        self.name = name
        self.isBaseline = isBaseline
        self.results = results
    }

    public func result(_ task: TaskKind) -> TaskResult? { results.first { $0.task == task } }
}
