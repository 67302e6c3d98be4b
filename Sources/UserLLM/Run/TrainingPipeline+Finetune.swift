import Foundation
import NN
import Tensor
import Timelines

extension TrainingPipeline {
    // MARK: Encoder pretraining

    /// Next-event pretraining through the encoder engineer's `EncoderPretrainer` (its
    /// windows, heads and loss), stepped by `Trainer` so it checkpoints, resumes and stops
    /// early like every stage. Validation is what the encoder is for: the item head's
    /// NDCG@10 on the validation targets (full catalogue, history masked; up to 2,048 users
    /// spread over the dataset), reported to `Trainer` as 1 − NDCG@10 so that its "lower is
    /// better" keeps the best-ranking weights. Every validation is a point of the learning
    /// curve (metrics.json: stages.encoder.learningCurve).
    func pretrainEncoder() throws -> RunMetrics.Stage {
        // The feature vocabularies the encoder's embeddings index (the tokenizer stage
        // writes them too; the encoder may run first).
        if !FileManager.default.fileExists(atPath: run.vocabularyURL.appendingPathComponent("vocab-item.json").path) {
            try context.vocabularies.save(to: run.vocabularyURL)
        }
        let cfg = preset.stages.encoder
        let modelConfig = ModelChoice(mode: .xattn).modelConfig(preset)
        let encoder = UserEncoder(config: modelConfig.encoder, vocabularies: context.vocabularies, seed: preset.seed &+ 1)
        let heads = EncoderHeads(config: modelConfig.encoder, vocabularies: context.vocabularies, seed: preset.seed &+ 2,
                                 encoder: encoder)
        let pretrainer = EncoderPretrainer(
            encoder: encoder, heads: heads, builder: context.builder, features: context.features,
            config: EncoderPretrainingConfig(steps: cfg.steps, batchSize: cfg.batchSize, windowLength: preset.windowLength,
                                             windowStride: modelConfig.encoder.pretrainingStride,
                                             learningRate: cfg.learningRate, warmupSteps: cfg.warmupSteps,
                                             weightDecay: cfg.weightDecay, gradientClip: cfg.gradClip, seed: preset.seed))
        let windows = pretrainer.windows
        let order = BatchOrder(count: windows.count, batchSize: cfg.batchSize, seed: preset.seed &+ 13)
        let validation = spread(context.builder.examples(.nextItem, .validation), count: 2048)
        let recommender = EncoderRecommender(encoder: encoder, heads: heads, features: context.features)
        let t = trainer("encoder", parameters: encoder.parameters(prefix: "encoder") + heads.parameters(prefix: "heads"), config: cfg)
        let seed = preset.seed
        let start = Date()
        var curve: [EncoderLearningPoint] = []
        var stepsDone = 0, validationSeconds = 0.0
        let result = try t.train(step: { s in
            let batch = EventBatch(windows: order.indices(step: s).map { windows[$0] }, timelines: context.builder.timelines,
                                   features: context.features, withTargets: true)
            encoder.isTraining = true
            encoder.isPretraining = true
            encoder.dropoutGenerator = SeededGenerator(seed: seed &+ 0x5EED &+ UInt64(s))
            defer { encoder.isTraining = false; encoder.isPretraining = false }
            stepsDone = s + 1
            return (pretrainer.loss(batch).total, batch.lengths.reduce(0, +))
        }, validate: {
            let clock = Date()
            let m = recommender.evaluate(validation, builder: context.builder, cutoffs: [10])
            validationSeconds += Date().timeIntervalSince(clock)
            curve.append(EncoderLearningPoint(step: stepsDone, epochs: Double(stepsDone * cfg.batchSize) / Double(windows.count),
                                              seconds: Date().timeIntervalSince(start), validationSeconds: validationSeconds,
                                              ndcg10: m.ndcg(at: 10), recall10: m.recall(at: 10)))
            return Float(1 - m.ndcg(at: 10))
        })
        let best = curve.max { $0.ndcg10 < $1.ndcg10 }
        return RunMetrics.Stage(seconds: result.seconds, training: result,
                                notes: ["windows": "\(windows.count)", "parameters": "\(encoder.parameterCount)",
                                        "validation": "1 - NDCG@10 of the item head on \(validation.count) validation users",
                                        "validationSeconds": String(format: "%.1f", validationSeconds),
                                        "bestValidationNDCG@10": best.map { String(format: "%.4f", $0.ndcg10) } ?? "-",
                                        "bestValidationRecall@10": best.map { String(format: "%.4f", $0.recall10) } ?? "-",
                                        "bestStep": best.map { "\($0.step)" } ?? "-"],
                                learningCurve: curve)
    }

    // MARK: Finetuning

    /// Trains one model on the mixture of the run's tasks, starting from the pretrained LLM
    /// (and encoder), with `choice.strategy` deciding what trains.
    func finetune(_ choice: ModelChoice) throws -> RunMetrics.Stage {
        var cfg = choice.mode == .tp ? preset.stages.finetuneTP : preset.stages.finetune
        // The stage's own peak, not the encoder stage's before it (Linux; nil elsewhere).
        PeakMemory.resetHighWaterMark()
        let model = try context.startingModel(choice, training: true)
        model.apply(choice.strategy, lora: preset.lora, seed: preset.seed)
        try context.keepFrozenBackboneQuantized(model, choice)
        let saved = model.checkpointParameters(llmFromFile: context.llmFromFile(choice))
        if choice.strategy == .zeroShot {
            // Nothing trains: the model is the LLM as it is. The empty checkpoint marks the
            // stage done, so every tool lists the model like the trained ones.
            try Safetensors.write(saved, metadata: ["stage": choice.name, "steps": "0"], to: run.checkpointURL(choice.name))
            return RunMetrics.Stage(seconds: 0, training: nil, notes: [
                "parameters": "\(model.weightCount)", "trainable": "0", "examplesSeen": "0",
                "peakMemoryBytes": PeakMemory.resident().map { "\($0.peak)" } ?? "-"])
        }
        let prompts = try context.promptBuilder(mode: choice.mode)
        let tasks = context.tasks
        guard !tasks.isEmpty else { throw RunError.invalidOptions("the dataset poses none of the tasks \(context.config.tasks)") }
        let train = tasks.flatMap { context.builder.examples($0, .train) }
        let batchSize = try batchThatFits(choice, examples: spread(train, count: 64), prompts: prompts, batchSize: cfg.batchSize)
        if batchSize < cfg.batchSize {
            let note = "\(choice.name) at a \(preset.windowLength)-event window: steps of \(batchSize) examples, not "
                + "\(cfg.batchSize) (those would not fit in half the memory limit; see `trainingActivationBytes`)"
            run.appendLog(note)
            onMessage?(note)
            cfg.batchSize = batchSize
        }
        let perTask = max(1, cfg.evalBatches * cfg.batchSize / tasks.count)
        let validation = tasks.flatMap { spread(context.builder.examples($0, .validation), count: perTask) }
        let order = BatchOrder(count: train.count, batchSize: cfg.batchSize, seed: preset.seed &+ 17)
        let builder = context.builder, features = context.features, seed = preset.seed
        func loss(_ examples: [Example]) -> (Tensor, Int) {
            let batch = prompts.batch(examples)
            let events = choice.mode.usesEncoder ? EventBatch(examples: examples, builder: builder, features: features) : nil
            return (model.loss(batch, events: events), batch.lengths.reduce(0, +))
        }
        let t = trainer(choice.name, parameters: saved, config: cfg, isGate: UserLLMModel.isGateParameter)
        let result = try t.train(step: { s in
            model.encoder?.isTraining = true
            model.encoder?.dropoutGenerator = SeededGenerator(seed: seed &+ 0xF1 &+ UInt64(s))
            defer { model.encoder?.isTraining = false }
            return loss(order.indices(step: s).map { train[$0] })
        }, validate: {
            meanLoss(validation, batchSize: cfg.batchSize) { loss($0).0.item }
        })
        return RunMetrics.Stage(seconds: result.seconds, training: result, notes: [
            "tasks": tasks.map(\.rawValue).joined(separator: ","), "trainExamples": "\(train.count)",
            "examplesSeen": "\(result.steps * cfg.batchSize)",
            "parameters": "\(model.weightCount)", "trainable": "\(model.trainableParameterCount)",
            "peakMemoryBytes": PeakMemory.resident().map { "\($0.peak)" } ?? "-",
        ])
    }

    /// A step keeps its activations for the backward pass, most of them per position: a TP
    /// prompt of 200 events (~7,800 SmolLM2 tokens) keeps ~11 GiB a step of one example
    /// (attention recomputes its probabilities there, which would be 2 GiB per layer). A step
    /// that cannot fit is refused here, with what it needs, rather than ending in the kernel's
    /// OOM killer hours into `make results-smol`; a batch that cannot is halved first. The
    /// longest of a sample of prompts stands for the longest batch.
    func batchThatFits(_ choice: ModelChoice, examples: [Example], prompts: PromptBuilder, batchSize: Int) throws -> Int {
        let llm = preset.llm
        let prefix = choice.prefixRows(window: preset.windowLength, latents: preset.perceiver.latents)
        let positions = (examples.map { prompts.batch([$0]).length }.max() ?? 0) + prefix
        let limit = RunConfigValidation.memoryLimitBytes
        guard let fitting = RunConfigValidation.batchThatFits(llm, batch: batchSize, positions: positions, limitBytes: limit) else {
            let need = RunConfigValidation.trainingActivationBytes(llm, batch: 1, positions: positions)
            throw RunError.invalidOptions(String(
                format: "%@ at a %d-event window: one step of %d examples keeps %.1f GiB of activations "
                    + "(%d layers × %.0f positions each), more than half the memory limit of %.1f GiB "
                    + "(USERLLM_MAX_MEMORY_GB); use a shorter --window, or cross-attention, "
                    + "which reads the history as %d rows",
                choice.name, preset.windowLength, 1, need / 1_073_741_824, llm.layers, Double(positions),
                limit / 1_073_741_824, preset.perceiver.latents))
        }
        return fitting
    }

    /// `count` items spread evenly over `items` (every user region represented), in order.
    func spread<T>(_ items: [T], count: Int) -> [T] {
        guard items.count > count, count > 0 else { return items }
        return (0..<count).map { items[$0 * items.count / count] }
    }
}
