import ArgumentParser
import Foundation
import Timelines
import UserLLM

/// `userllm train --dataset movielens --preset small [--mode xattn --perceiver --strategy enc]`
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train the stages a run is missing: tokenizer, LM pretraining, encoder pretraining, finetuning.",
        discussion: """
        A run directory holds everything (config.json, vocab/, tokenizer.json, checkpoints/, metrics.json, \
        log.txt). Stages already done are skipped, so training a second model (say --mode tp after \
        --mode xattn --perceiver) in the same --run only finetunes it. Ctrl-C saves a checkpoint and \
        exits; the same command resumes.
        """ + "\n\n" + DatasetLocation.helpLine
    )

    @Option(help: "Dataset name; read from $USERLLM_HOME/datasets/<name> unless --data-dir is given.")
    var dataset: String = "movielens"

    @Option(help: "Read the dataset from this folder (any supported format).")
    var dataDir: String?

    @Option(help: "Preset: tiny, small, base, smol, or a preset JSON file (default: small; smol with --llm smollm2-135m).")
    var preset: String?

    @Option(help: "LLM backbone: scratch (the preset's own model, pretrained here) or a pretrained model such as smollm2-135m (its GGUF file; `userllm model fetch`).")
    var llm: String?

    @Option(help: "Fusion mode: tp, soft or xattn.")
    var mode: String = "xattn"

    @Flag(help: "Compress the user embeddings with a Perceiver resampler (soft / xattn).")
    var perceiver = false

    @Option(help: "Training strategy: full, lora, enc or proj (tp: full, lora or zeroshot — the LLM as it is).")
    var strategy: String = "full"

    @Flag(help: "Ablation: start the encoder from random weights instead of its pretraining (soft / xattn).")
    var randomEncoder = false

    @Option(parsing: .unconditional, help: "History window in events, \(OptionBounds.text(OptionBounds.window)) (default: the preset's, 50). TP keeps the most recent events that fit the LLM's context.",
            transform: OptionBounds.int(OptionBounds.window))
    var window: Int?

    @Option(name: .customLong("run"), help: "Run directory (default $USERLLM_HOME/runs/<dataset>-<preset>).")
    var runDirectory: String?

    @Option(help: "Comma-separated tasks to finetune on as one mixture: next-item, favorite-genre, review.")
    var tasks: String = "next-item,favorite-genre"

    @Flag(help: "Only pretrain the user encoder (no tokenizer, LM or finetuning); `eval` then ranks with its item head.")
    var encoderOnly = false

    @Option(help: "Seed of every random draw in the run (initial weights, dropout, example order), in place of the preset's (0); the run directory gets a -s<N> suffix. Repeat a row with seeds 1 and 2 and `userllm eval-seeds` gives its spread.")
    var seed: UInt64?

    @Flag(help: "Print the run's metrics as JSON on stdout.")
    var json = false

    func run() throws {
        guard let fusion = FusionMode(rawValue: mode) else { throw ValidationError("unknown mode '\(mode)': tp, soft or xattn") }
        guard let strat = TrainingStrategy(rawValue: strategy) else {
            throw ValidationError("unknown strategy '\(strategy)': full, lora, enc, proj or zeroshot")
        }
        guard strat.isValid(for: fusion) else {
            throw ValidationError(fusion == .tp ? "tp trains with --strategy full, lora or zeroshot" : "--strategy zeroshot is for --mode tp")
        }
        let taskList = tasks.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        for t in taskList where TaskKind(rawValue: t) == nil {
            throw ValidationError("unknown task '\(t)': \(TaskKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if randomEncoder && !fusion.usesEncoder { throw ValidationError("--random-encoder needs an encoder: --mode soft or xattn") }
        if let window, window < 1 { throw ValidationError("--window must be at least 1") }
        let chosen = ModelChoice(mode: fusion, perceiver: perceiver, strategy: strat, randomEncoder: randomEncoder)
        let bar = TrainProgressBar()
        do {
            var presetValue = try Preset.named(preset ?? (llm.map { $0 == "scratch" ? "small" : "smol" } ?? "small"))
            if let llm {
                let wanted: String? = llm == "scratch" ? nil : llm
                guard wanted == nil || PretrainedModel.named(llm) != nil else {
                    throw ValidationError("unknown --llm '\(llm)': scratch or \(PretrainedModel.known.map(\.name).joined(separator: ", "))")
                }
                guard presetValue.backbone == wanted else {
                    throw ValidationError("preset \(presetValue.name) has backbone \(presetValue.backbone ?? "scratch"), not \(llm): "
                                          + "leave out --preset, or give one made for \(llm)")
                }
            }
            var runName = presetValue.name
            if let window, window != presetValue.windowLength {
                presetValue.windowLength = window
                runName += "-w\(window)"
            }
            if let seed, seed != presetValue.seed {
                presetValue.seed = seed
                runName += "-s\(seed)"
            }
            let dir = runDirectory.map { URL(fileURLWithPath: $0) } ?? RunDirectory.defaultURL(dataset: dataset, preset: runName)
            let config = RunConfig(dataset: dataset, dataDir: dataDir, preset: presetValue, tasks: taskList)
            bar.message("loading \(dataset) …")
            let context = try RunContext(run: RunDirectory(dir), config: config)
            let pipeline = try TrainingPipeline(context: context)
            pipeline.onStage = { name, runs in bar.message(runs ? "stage \(name)" : "stage \(name): done already, skipped") }
            pipeline.onProgress = { bar.update($0) }
            pipeline.onMessage = { bar.message($0) }
            TrainingInterrupt.installSignalHandler()
            let start = Date()
            let metrics: RunMetrics
            if encoderOnly {
                try pipeline.pretrainEncoderOnly()
                metrics = pipeline.metrics
            } else {
                metrics = try pipeline.run(models: [chosen])
            }
            bar.finish()
            if json {
                let enc = JSONEncoder()
                enc.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try enc.encode(metrics), as: UTF8.self))
            } else {
                print("run: \(dir.path)   (\(String(format: "%.1f", Date().timeIntervalSince(start))) s this invocation)")
                print(Self.summary(metrics))
            }
        } catch let e as RunError {
            bar.finish()
            FileHandle.standardError.write(Data("error: \(e)\n".utf8))
            if case .interrupted = e { throw ExitCode(130) }
            throw ExitCode(1)
        } catch let e as DatasetError {
            bar.finish()
            FileHandle.standardError.write(Data("error: \(e)\n".utf8))
            throw ExitCode(1)
        }
    }

    /// One row per stage: steps, first → last training loss, best validation loss, time.
    static func summary(_ m: RunMetrics) -> String {
        let order = ["tokenizer", "lm", "encoder"]
        let names = order.filter { m.stages[$0] != nil } + m.stages.keys.filter { !order.contains($0) }.sorted()
        let f = { (v: Float) in String(format: "%.3f", v) }
        let rows: [[String]] = names.map { name in
            let s = m.stages[name]!
            guard let t = s.training else {
                return [name, "-", "-", "-", "-", String(format: "%.1f", s.seconds)]
            }
            let ends = t.trainLossEnds()
            return [name, "\(t.steps)\(t.stoppedEarly ? " (early)" : "")",
                    ends.map { "\(f($0.first)) → \(f($0.last))" } ?? "-",
                    t.bestValidationLoss.map(f) ?? "-", "\(Int(t.tokensPerSecond))", String(format: "%.1f", s.seconds)]
        }
        var out = TextTable.render(["stage", "steps", "train loss", "best val", "tok/s", "seconds"], rows)
        if let curve = m.stages["encoder"]?.learningCurve, !curve.isEmpty {
            out += "\n\nEncoder learning curve (item head on the validation targets; best weights kept)\n"
            out += TextTable.render(["step", "epochs", "seconds", "of which validating", "NDCG@10", "R@10"], curve.map {
                ["\($0.step)", String(format: "%.1f", $0.epochs), String(format: "%.0f", $0.seconds),
                 String(format: "%.0f", $0.validationSeconds), String(format: "%.4f", $0.ndcg10), String(format: "%.4f", $0.recall10)]
            })
        }
        return out
    }
}
