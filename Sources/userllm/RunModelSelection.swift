import ArgumentParser
import Foundation
import UserLLM

/// Opens a trained run and picks the model a command asked for: `--model` by name, else
/// xattn+perceiver when the run has it (the paper's efficient mode), else the first one.
/// Shared by `generate` and `bench answer`, so both name a missing model the same way.
enum RunModelSelection {
    static func open(_ runDirectory: String, model: String?) throws -> (RunContext, ModelChoice) {
        let context = try open(runDirectory)
        let available = Evaluator(context: context).availableModels()
        let preferred = available.first { $0.mode == .xattn && $0.perceiver } ?? available.first
        guard let choice = model.map({ m in available.first { $0.name == m } }) ?? preferred else {
            throw EvalCommand.fail(model.map { "no finetuned model '\($0)' in \(runDirectory); have: \(available.map(\.name).joined(separator: ", "))" }
                                   ?? "\(runDirectory) has no finetuned model: run `userllm train` first")
        }
        return (context, choice)
    }

    /// The run alone (`eval` picks its models itself); a run that will not open is named.
    static func open(_ runDirectory: String) throws -> RunContext {
        do { return try RunContext.open(URL(fileURLWithPath: runDirectory)) } catch {
            throw EvalCommand.fail("cannot open run \(runDirectory): \(error)")
        }
    }
}
