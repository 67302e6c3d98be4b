import ArgumentParser
import Foundation
import UserLLM

/// `userllm data export-tensors --run DIR --out DIR [--mode xattn] [--shard-size N] [--json]`
struct DataExportTensorsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-tensors",
        abstract: "Write a run's finetuning examples as integer safetensors shards for the PyTorch trainer.",
        discussion: """
        The run must have its tokenizer, LM and (for soft / xattn) encoder pretrained (`userllm train` \
        does that). The export holds every training example of the run's tasks (window positions and \
        prompt + answer token ids) and finetuning's validation subset, the timelines as feature ids, and \
        copies of the run's config, vocabularies, tokenizer and pretrained checkpoints, so \
        `torchrun -m userllm_torch.train --export DIR --run OUT` trains without our loaders.
        """
    )

    @Option(name: .customLong("run"), help: "The run directory with its pretraining done.")
    var runDirectory: String

    @Option(help: "The export folder (created).")
    var out: String

    @Option(help: "Prompt format: soft or xattn (the same tokens), or tp.")
    var mode: String = "xattn"

    @Option(help: "Examples per shard file.")
    var shardSize: Int = 1_000_000

    @Flag(help: "Print the manifest as JSON.")
    var json = false

    func run() throws {
        guard let m = FusionMode(rawValue: mode) else {
            throw ValidationError("unknown mode '\(mode)': use \(FusionMode.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard shardSize > 0 else { throw ValidationError("--shard-size must be positive") }
        let context = try RunModelSelection.open(runDirectory)
        var export = TensorExport(context: context, mode: m)
        export.shardSize = shardSize
        let start = Date()
        let tty = isatty(STDERR_FILENO) == 1
        export.progress = { part, done, total in
            let elapsed = Date().timeIntervalSince(start)
            let eta = done > 0 ? elapsed / Double(done) * Double(total - done) : .infinity
            let line = String(format: "export %@ %d/%d examples  ETA %@", part, done, total,
                              eta.isFinite ? String(format: "%.0f s", eta) : "--")
            if tty { FileHandle.standardError.write(Data("\r\u{1B}[2K\(line)".utf8)) }
            if done == total { FileHandle.standardError.write(Data((tty ? "\n" : "\(line)\n").utf8)) }
        }
        let manifest = try export.write(to: URL(fileURLWithPath: out))
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(manifest), as: UTF8.self))
            return
        }
        let rows = manifest.parts.keys.sorted().map { name -> [String] in
            let p = manifest.parts[name]!
            return [name, "\(p.examples)", "\(p.tokens)", "\(p.shards.count)"]
        }
        print(TextTable.render(["part", "examples", "tokens", "shards"], rows))
        print(String(format: "%@: %d users, %d events, tasks %@ (%.1f s)", out, manifest.users, manifest.events,
                     manifest.tasks.joined(separator: ","), Date().timeIntervalSince(start)))
    }
}
