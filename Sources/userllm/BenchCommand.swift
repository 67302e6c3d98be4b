import ArgumentParser

/// `userllm bench`: speed measurements that print numbers (never timed tests).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the engine's speed on this machine.",
        subcommands: [BenchEngineCommand.self, BenchInferenceCommand.self, BenchAnswerCommand.self, BenchTrainCommand.self, BenchLLMCommand.self]
    )
}
