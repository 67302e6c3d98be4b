import ArgumentParser
import Tensor

/// `userllm`: data, training, evaluation, generation and benchmarks from the shell.
/// Each subcommand lives in its own file, named after it.
@main
struct UserLLMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "userllm",
        abstract: "USER-LLM in Swift: user embeddings vs text prompts on real timelines.",
        subcommands: UserLLMCommand.all
    )

    /// OpenBLAS must pick its kernels before any work: see `BLASRuntime`.
    static func main() {
        BLASRuntime.relaunchWithFastKernelsIfNeeded()
        main(nil)
    }

    /// The subcommands, one line each so parallel work merges cleanly.
    static let all: [ParsableCommand.Type] = [
        DataCommand.self,
        TrainCommand.self,
        BenchCommand.self,
        EvalCommand.self, EvalSeedsCommand.self, GenerateCommand.self,
        ModelCommand.self,
    ]
}
