import Foundation
import NN
import Tensor
import Timelines

/// The stages of a run, each skipped when metrics.json says it is done and its artifact
/// exists: tokenizer → LM pretraining → encoder pretraining (embedding modes only) →
/// finetuning of each requested model. An interrupted stage resumes from its checkpoint.
public final class TrainingPipeline {
    public let context: RunContext
    public var run: RunDirectory { context.run }
    public var preset: Preset { context.config.preset }
    /// A stage starts (name) or is skipped as done (name, false).
    public var onStage: ((String, Bool) -> Void)?
    public var onProgress: ((TrainerProgress) -> Void)?
    /// Extra lines for stderr (besides log.txt).
    public var onMessage: ((String) -> Void)?
    public private(set) var metrics: RunMetrics

    public init(context: RunContext) throws {
        self.context = context
        try context.run.create()
        if let existing = try context.run.readConfig() {
            guard existing == context.config else {
                throw RunError.invalidOptions("\(context.run.configURL.path) was made with other options (dataset, preset or tasks); use another --run directory")
            }
        } else {
            try context.run.writeConfig(context.config)
        }
        metrics = try context.run.readMetrics()
    }

    /// Runs every missing stage needed by `models`; returns the metrics of the whole run.
    @discardableResult
    public func run(models: [ModelChoice]) throws -> RunMetrics {
        for m in models {
            guard m.strategy.isValid(for: m.mode) else {
                throw RunError.invalidOptions("strategy \(m.strategy.rawValue) is not valid for \(m.mode.rawValue) (tp: full, lora or zeroshot; soft and xattn: full, lora, enc or proj)")
            }
        }
        try pretrain(encoder: models.contains(where: { $0.mode.usesEncoder }))
        for m in models {
            try stage(m.name, artifact: run.checkpointURL(m.name)) { try finetune(m) }
        }
        return metrics
    }

    /// The stages every model shares: encoder pretraining (optionally), tokenizer, LM.
    /// The encoder comes first: it is the quickest stage, and alone it already ranks next
    /// items, so the explorer has a live answer within a minute while the rest trains.
    public func pretrain(encoder: Bool) throws {
        if encoder {
            try stage("encoder", artifact: run.checkpointURL("encoder")) { try pretrainEncoder() }
        }
        // A backbone brings its tokenizer and weights: no stage makes them.
        if context.backbone != nil {
            if !FileManager.default.fileExists(atPath: run.vocabularyURL.appendingPathComponent("vocab-item.json").path) {
                try context.vocabularies.save(to: run.vocabularyURL)
            }
            return
        }
        try stage("tokenizer", artifact: run.tokenizerURL) { try trainTokenizer() }
        try stage("lm", artifact: run.checkpointURL("lm")) { try pretrainLM() }
    }

    /// The encoder stage alone (no tokenizer, no LM): enough for `eval` to rank with the
    /// encoder's item head beside most-popular. The vocabularies are saved so later stages
    /// and `eval` read the same IDs.
    public func pretrainEncoderOnly() throws {
        if !FileManager.default.fileExists(atPath: run.vocabularyURL.appendingPathComponent("vocab-item.json").path) {
            try context.vocabularies.save(to: run.vocabularyURL)
        }
        try stage("encoder", artifact: run.checkpointURL("encoder")) { try pretrainEncoder() }
    }

    public func isDone(_ name: String, artifact: URL) -> Bool {
        metrics.stages[name] != nil && FileManager.default.fileExists(atPath: artifact.path)
    }

    private func stage(_ name: String, artifact: URL, _ body: () throws -> RunMetrics.Stage) throws {
        if isDone(name, artifact: artifact) {
            onStage?(name, false)
            return
        }
        onStage?(name, true)
        run.appendLog("stage \(name) start")
        let result = try body()
        // Re-read first: another `userllm train` on this run may have finished a stage
        // meanwhile (read once at start, our copy would drop its entry when written back).
        if let latest = try? run.readMetrics() { metrics.stages.merge(latest.stages) { ours, _ in ours } }
        metrics.stages[name] = result
        try run.writeMetrics(metrics)
        run.appendLog("stage \(name) done in \(String(format: "%.1f", result.seconds)) s")
    }

    /// A Trainer wired to the run's log and the progress callback.
    func trainer(_ name: String, parameters: [(String, Tensor)], config: TrainerConfig,
                 isGate: ((String) -> Bool)? = nil) -> Trainer {
        let t = Trainer(name: name, parameters: parameters, config: config, directory: run.checkpointsURL, isGate: isGate)
        let r = run
        t.log = { r.appendLog($0) }
        t.progress = onProgress
        return t
    }

    // MARK: Tokenizer

    func trainTokenizer() throws -> RunMetrics.Stage {
        let start = Date()
        let builder = context.builder
        // Training-split events only: no validation or test review shapes the vocabulary.
        var trainingEvents: [Event] = []
        for u in 0..<Int32(builder.timelines.count) {
            for e in builder.timelines[u].events.prefix(builder.split.trainingCount(u)) {
                trainingEvents.append(context.dataset.events[Int(e)])
            }
        }
        let corpus = TokenizerCorpus.texts(for: context.dataset, reviewsOf: trainingEvents)
        let tokenizer = BPETokenizer.train(corpus: corpus, vocabSize: preset.tokenizerVocabSize)
        guard tokenizer.vocabSize <= preset.llm.vocabSize else {
            throw RunError.badPreset("tokenizer has \(tokenizer.vocabSize) tokens but the LLM's vocabSize is \(preset.llm.vocabSize)")
        }
        try context.vocabularies.save(to: run.vocabularyURL)
        try tokenizer.save(to: run.tokenizerURL)
        context.setTokenizer(tokenizer)
        return RunMetrics.Stage(seconds: Date().timeIntervalSince(start), training: nil,
                                notes: ["texts": "\(corpus.count)", "vocabSize": "\(tokenizer.vocabSize)"])
    }

    // MARK: LM pretraining

    func pretrainLM() throws -> RunMetrics.Stage {
        guard let tokenizer = context.tokenizer else { throw RunError.badRun("no tokenizer") }
        let texts = TextCorpus.pretrainingTexts(context.builder)
        let blocks = TextBlocks(texts: texts, tokenizer: tokenizer, blockLength: preset.lmBlockLength)
        guard !blocks.train.isEmpty, !blocks.validation.isEmpty else {
            throw RunError.badRun("the LM corpus (\(texts.count) texts) is too small to pretrain on")
        }
        let model = LanguageModel(config: preset.llm.withCrossAttention(false), seed: preset.seed)
        let cfg = preset.stages.lm
        let order = BatchOrder(count: blocks.train.count, batchSize: cfg.batchSize, seed: preset.seed &+ 11)
        let validation = Array(blocks.validation.prefix(cfg.evalBatches * cfg.batchSize))
        func loss(_ batch: TokenBatch) -> Tensor {
            let logits = model(tokens: batch.inputs, batch: batch.batch)  // (B, T, V)
            return Tensor.crossEntropy(logits: logits.reshaped([batch.batch * batch.length, preset.llm.vocabSize]),
                                       targets: batch.targets, ignoreIndex: TokenBatch.ignoreIndex)
        }
        let t = trainer("lm", parameters: model.parameters(), config: cfg)
        let result = try t.train(step: { s in
            let batch = blocks.batch(order.indices(step: s).map { blocks.train[$0] })
            return (loss(batch), batch.targetCount)
        }, validate: {
            meanLoss(validation, batchSize: cfg.batchSize) { loss(blocks.batch($0)).item }
        })
        return RunMetrics.Stage(seconds: result.seconds, training: result,
                                notes: ["texts": "\(texts.count)", "trainBlocks": "\(blocks.train.count)",
                                        "validationBlocks": "\(blocks.validation.count)", "parameters": "\(model.parameterCount)"])
    }
}

/// The mean of `loss` over `items` in batches, weighted by batch size.
func meanLoss<T>(_ items: [T], batchSize: Int, _ loss: ([T]) throws -> Float) rethrows -> Float {
    var total: Float = 0, count = 0
    for start in stride(from: 0, to: items.count, by: batchSize) {
        let part = Array(items[start..<min(start + batchSize, items.count)])
        total += try loss(part) * Float(part.count)
        count += part.count
    }
    return count == 0 ? .nan : total / Float(count)
}
