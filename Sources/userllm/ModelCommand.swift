import ArgumentParser

/// `userllm model`: pretrained LLMs from GGUF files.
struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Fetch and inspect pretrained LLMs (GGUF files).",
        // One line each so parallel work merges cleanly.
        subcommands: [
            ModelFetchCommand.self,
            ModelInfoCommand.self,
        ]
    )
}
