import Foundation

/// What a run directory was made with (config.json). Every model in one run shares the
/// dataset, preset, tasks and the stages before finetuning (tokenizer, LM, encoder).
public struct RunConfig: Codable, Equatable, Sendable {
    /// Dataset name as given to `Dataset.load(named:)`.
    public var dataset: String
    /// The folder it was read from, when given.
    public var dataDir: String?
    public var preset: Preset
    /// Finetuning trains one model on a mixture of these tasks.
    public var tasks: [TaskKindName]
    public typealias TaskKindName = String
    /// The sha256 of the backbone's GGUF file (`Preset.backbone`), recorded when the run is
    /// made: a run only reopens with that exact file.
    public var backboneSHA256: String?

    public init(dataset: String, dataDir: String?, preset: Preset, tasks: [String]) {
        self.dataset = dataset
        self.dataDir = dataDir
        self.preset = preset
        self.tasks = tasks
    }
}
