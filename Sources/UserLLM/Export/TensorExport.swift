import Foundation
import Timelines

/// `userllm data export-tensors`: a trained run's finetuning data as integer tensors, so a
/// PyTorch trainer (python/userllm_torch) trains the same model on the same examples without
/// re-implementing our loaders, tokenizer or split. Layout of the export folder:
///
///   manifest.json                 TensorExportManifest: mode, tasks, sizes, shard list, preset
///   config.json, vocab/, tokenizer.json, checkpoints/{lm,encoder}.safetensors, metrics.json
///                                 copied from the run: the export is itself a run directory
///                                 without finetuned models, and the trainer starts from it
///   events.safetensors            timelines as feature ids, once for every example:
///       timeline_offsets (U+1) I64   user u's events are rows offsets[u]..<offsets[u+1]
///       event_item (E) I32, event_rating (E) I32    item / rating ids in timeline order
///       item_categories (V_item, C) I32             distinct category ids per item id, PAD after
///   <part>-<k>.safetensors        examples of `part` (train, validation), `shardSize` a shard:
///       user, window_start, target, task (N) I32    the window is timeline positions start..<target
///       prompt_length (N) I32, token_offsets (N+1) I64, tokens I32
///                                 prompt + answer + <|eos|>; the loss covers positions ≥ prompt_length
///
/// Train examples are in `ExampleBuilder` order over the run's tasks (finetuning's list, which
/// `BatchOrder` indexes); validation is finetuning's evenly spread subset.
public struct TensorExport {
    public let context: RunContext
    public let mode: FusionMode
    /// Examples per shard file: 1M keeps a MovieLens-20M shard near 200 MB.
    public var shardSize = 1_000_000
    public var progress: ((_ part: String, _ done: Int, _ total: Int) -> Void)?

    public init(context: RunContext, mode: FusionMode) {
        self.context = context
        self.mode = mode
    }

    /// Finetuning's settings for this mode (its batch size and validation subset).
    var stage: TrainerConfig { mode == .tp ? context.config.preset.stages.finetuneTP : context.config.preset.stages.finetune }

    @discardableResult
    public func write(to out: URL) throws -> TensorExportManifest {
        let fm = FileManager.default
        try fm.createDirectory(at: out.appendingPathComponent("checkpoints"), withIntermediateDirectories: true)
        let prompts = try context.promptBuilder(mode: mode)
        let tasks = context.tasks
        guard !tasks.isEmpty else { throw RunError.invalidOptions("the dataset poses none of the run's tasks \(context.config.tasks)") }
        try copyRun(to: out)
        let maxCategories = try writeEvents(to: out.appendingPathComponent("events.safetensors"))
        let train = tasks.flatMap { context.builder.examples($0, .train) }
        let perTask = max(1, stage.evalBatches * stage.batchSize / tasks.count)
        let validation = tasks.flatMap { Self.spread(context.builder.examples($0, .validation), count: perTask) }
        var parts: [String: TensorExportManifest.Part] = [:]
        for (name, examples) in [("train", train), ("validation", validation)] {
            parts[name] = try writePart(name, examples, tasks: tasks, prompts: prompts, to: out)
        }
        let v = context.vocabularies
        let manifest = TensorExportManifest(
            format: TensorExportManifest.formatName, version: 1, mode: mode, dataset: context.config.dataset,
            tasks: tasks.map(\.rawValue), windowLength: context.config.preset.windowLength, maxCategories: maxCategories,
            vocabularySizes: ["item": v.item.count, "category": v.category.count, "rating": v.rating.count],
            padToken: prompts.padding, users: context.builder.timelines.count, events: context.dataset.events.count,
            batchOrderSeed: context.config.preset.seed &+ 17, preset: context.config.preset, parts: parts)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(manifest).write(to: out.appendingPathComponent("manifest.json"), options: .atomic)
        return manifest
    }

    /// `count` items spread evenly over `items` — TrainingPipeline.spread, finetuning's
    /// validation subset.
    static func spread<T>(_ items: [T], count: Int) -> [T] {
        guard items.count > count, count > 0 else { return items }
        return (0..<count).map { items[$0 * items.count / count] }
    }

    private func copyRun(to out: URL) throws {
        let run = context.run, fm = FileManager.default
        var files = [(run.configURL, "config.json"), (run.tokenizerURL, "tokenizer.json"),
                     (run.checkpointURL("lm"), "checkpoints/lm.safetensors")]
        if mode.usesEncoder { files.append((run.checkpointURL("encoder"), "checkpoints/encoder.safetensors")) }
        for (source, _) in files {
            guard fm.fileExists(atPath: source.path) else {
                throw RunError.badRun("\(source.path) does not exist: run `userllm train` up to finetuning first")
            }
        }
        try context.vocabularies.save(to: out.appendingPathComponent("vocab"))
        // The pretraining stages' record, so the trained run's metrics keep them (optional).
        if fm.fileExists(atPath: run.metricsURL.path) { files.append((run.metricsURL, "metrics.json")) }
        for (source, name) in files {
            let target = out.appendingPathComponent(name)
            try? fm.removeItem(at: target)
            try fm.copyItem(at: source, to: target)
        }
    }

    private func writeEvents(to url: URL) throws -> Int {
        let f = context.features, timelines = context.builder.timelines
        var offsets: [Int64] = [0], items: [Int32] = [], ratings: [Int32] = []
        items.reserveCapacity(context.dataset.events.count)
        ratings.reserveCapacity(context.dataset.events.count)
        for u in 0..<Int32(timelines.count) {
            for e in timelines[u].events {
                items.append(f.itemIDs[Int(f.eventItems[Int(e)])])
                ratings.append(f.ratingIDs[Int(e)])
            }
            offsets.append(Int64(items.count))
        }
        let c = f.maxCategories, vocab = f.itemVocabularySize
        var categories = [Int32](repeating: 0, count: vocab * c)
        for (index, id) in f.itemIDs.enumerated() where id > Vocabulary.unk {
            for (j, cat) in f.categoryIDs[index].prefix(c).enumerated() { categories[Int(id) * c + j] = cat }
        }
        try IntegerSafetensorsWriter.write([
            ("timeline_offsets", .i64(offsets, shape: [offsets.count])),
            ("event_item", .i32(items, shape: [items.count])),
            ("event_rating", .i32(ratings, shape: [ratings.count])),
            ("item_categories", .i32(categories, shape: [vocab, c])),
        ], to: url)
        return c
    }

    private func writePart(_ part: String, _ examples: [Example], tasks: [TaskKind], prompts: PromptBuilder,
                           to out: URL) throws -> TensorExportManifest.Part {
        var shards: [TensorExportManifest.Shard] = []
        var totalTokens = 0
        let taskIndex = Dictionary(uniqueKeysWithValues: tasks.enumerated().map { ($1, Int32($0)) })
        for (k, start) in stride(from: 0, to: max(examples.count, 1), by: shardSize).enumerated() {
            let slice = examples[start..<min(start + shardSize, examples.count)]
            var user: [Int32] = [], windowStart: [Int32] = [], target: [Int32] = [], task: [Int32] = []
            var promptLength: [Int32] = [], offsets: [Int64] = [0], tokens: [Int32] = []
            for (i, e) in slice.enumerated() {
                let prompt = prompts.promptTokens(e)
                tokens += prompt
                tokens += prompts.answerTokens(e.answer, task: e.task)
                user.append(e.user)
                windowStart.append(e.windowStart)
                target.append(e.target)
                task.append(taskIndex[e.task]!)
                promptLength.append(Int32(prompt.count))
                offsets.append(Int64(tokens.count))
                if (start + i) % 4096 == 0 { progress?(part, start + i, examples.count) }
            }
            let name = String(format: "%@-%05d.safetensors", part, k)
            let n = slice.count
            try IntegerSafetensorsWriter.write([
                ("user", .i32(user, shape: [n])), ("window_start", .i32(windowStart, shape: [n])),
                ("target", .i32(target, shape: [n])), ("task", .i32(task, shape: [n])),
                ("prompt_length", .i32(promptLength, shape: [n])),
                ("token_offsets", .i64(offsets, shape: [n + 1])), ("tokens", .i32(tokens, shape: [tokens.count])),
            ], metadata: ["part": part, "first_example": "\(start)"], to: out.appendingPathComponent(name))
            shards.append(.init(file: name, examples: n, tokens: tokens.count))
            totalTokens += tokens.count
        }
        progress?(part, examples.count, examples.count)
        return .init(examples: examples.count, tokens: totalTokens, shards: shards)
    }
}
