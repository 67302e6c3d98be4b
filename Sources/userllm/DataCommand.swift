import ArgumentParser

/// `userllm data`: fetch datasets and summarise them.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Fetch datasets and print their statistics.",
        subcommands: [DataFetchCommand.self, DataStatsCommand.self, DataBenchCommand.self, DataExportTensorsCommand.self]
    )
}
