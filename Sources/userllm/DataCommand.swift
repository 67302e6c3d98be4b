import ArgumentParser

/// `userllm data`: fetch datasets and summarise them.
struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Fetch datasets, print their statistics, export them with our split.",
        subcommands: [DataFetchCommand.self, DataStatsCommand.self, DataBenchCommand.self, DataExportCommand.self,
                      DataExportTensorsCommand.self]
    )
}
