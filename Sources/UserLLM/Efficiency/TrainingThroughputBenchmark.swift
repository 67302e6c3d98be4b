import Foundation
import NN
import Tensor
import Timelines

/// `userllm bench train` (issue 5): finetuning-step throughput of each variant at each
/// history length — the same real users' examples (their test targets, `length`-event
/// windows), a full step (loss on the answer tokens, backward, AdamW) as `Trainer` runs
/// it, median of `steps` after `warmup`. Shows what the text prompt costs in training.
public final class TrainingThroughputBenchmark {
    public struct Options: Codable, Equatable, Sendable {
        public var lengths: [Int] = [50, 100, 200, 500]
        public var variants: [String] = CostVariants.all.map(CostVariants.name)
        /// Examples per step (the small preset's finetuning batch is 16; 4 keeps a 500-event
        /// TP step, ~10k tokens a sequence, within memory).
        public var batch: Int = 4
        public var steps: Int = 3
        public var warmup: Int = 1
        /// The backward pass keeps every layer's activations (`RunConfigValidation
        /// .trainingActivationBytes`): a batch whose activations would exceed this many GiB is
        /// halved until it fits (a single example that does not fit is skipped, with a note).
        public var activationMemoryGiB: Double = 8

        public init() {}
    }

    public let workbench: CostWorkbench
    public let options: Options
    public var onProgress: ((Int, Int, String) -> Void)?

    public init(workbench: CostWorkbench, options: Options) {
        self.workbench = workbench
        self.options = options
    }

    public func run() throws -> [TrainingThroughputRow] {
        let variants = try CostVariants.parse(options.variants.joined(separator: ","))
        let users = try workbench.longUsers(events: options.lengths.max() ?? 0, count: options.batch)
        let perCell = options.steps + options.warmup
        let total = options.lengths.count * variants.count * perCell
        var done = 0
        var rows: [TrainingThroughputRow] = []
        for length in options.lengths {
            for choice in variants {
                let name = CostVariants.name(choice)
                let label = "\(name) at \(length) events"
                onProgress?(done, total, label)
                let trained = try workbench.trainedModel(choice, length: length)
                let predictor = Predictor(trained: trained)
                var examples = try (0..<options.batch).map { try predictor.example(user: users[$0 % users.count], task: .nextItem) }
                let model = trained.model
                let llm = model.config.llm
                var batch = trained.prompts.batch(examples)
                let prefix = choice.prefixRows(window: length, latents: model.config.perceiverLatents)
                var positions = batch.length + prefix
                func activationGiB(_ b: Int) -> Double {
                    RunConfigValidation.trainingActivationBytes(llm, batch: b, positions: positions) / 1_073_741_824
                }
                while examples.count > 1 && activationGiB(examples.count) > options.activationMemoryGiB {
                    examples = Array(examples.prefix(examples.count / 2))
                }
                batch = trained.prompts.batch(examples)
                positions = batch.length + prefix
                let tokensPerExample = Double(batch.lengths.reduce(0, +)) / Double(examples.count) + 1  // + the last target
                if activationGiB(examples.count) > options.activationMemoryGiB {
                    rows.append(TrainingThroughputRow(
                        variant: name, historyEvents: length, batch: 0, tokensPerExample: tokensPerExample,
                        prefixRows: prefix, sequenceLength: positions, stepSeconds: 0, stepFLOPs: 0,
                        note: String(format: "skipped: one example's activations need %.1f GiB (budget %.1f)",
                                     activationGiB(1), options.activationMemoryGiB)))
                    done += perCell
                    continue
                }
                let events = choice.mode.usesEncoder
                    ? EventBatch(examples: examples, builder: trained.context.builder, features: trained.context.features) : nil
                model.unfreeze()
                let optimizer = AdamW(parameters: model.parameters(), config: AdamWConfig(learningRate: 1e-5))
                var times: [Double] = []
                for s in 0..<(options.warmup + options.steps) {
                    let clock = WallClock()
                    optimizer.zeroGrad()
                    let loss = model.loss(batch, events: events)
                    loss.backward()
                    optimizer.step()
                    if s >= options.warmup { times.append(clock.elapsed()) }
                    done += 1
                    onProgress?(done, total, label)
                }
                optimizer.zeroGrad()
                times.sort()
                let forward = Self.forwardFLOPs(model.config, batch: examples.count, positions: positions,
                                                events: events, answerRows: batch.lossPositions.count)
                rows.append(TrainingThroughputRow(
                    variant: name, historyEvents: length, batch: examples.count, tokensPerExample: tokensPerExample,
                    prefixRows: prefix, sequenceLength: positions, stepSeconds: times[times.count / 2],
                    stepFLOPs: 3 * Double(forward.total),
                    note: examples.count < options.batch ? "batch cut to \(examples.count) to fit the attention memory budget" : nil))
            }
        }
        onProgress?(total, total, "done")
        return Self.withRatios(rows)
    }

    /// The training forward: encoder (+ Perceiver, projection), cross-attention K/V, the LLM
    /// over every position, the head on the answer rows only (as `UserLLMModel.loss`).
    public static func forwardFLOPs(_ c: UserLLMModelConfig, batch: Int, positions: Int, events: EventBatch?,
                             answerRows: Int) -> FLOPCount {
        var f = FLOPCount.zero
        var userRows = 0
        if let events {
            f += FLOPs.userContext(c, batch: batch, events: events.length, categoriesPerEvent: events.maxCategories)
            if c.mode == .xattn {
                userRows = c.perceiver ? c.perceiverLatents : events.length
                f += FLOPs.crossAttentionContext(c.llm, batch: batch, userRows: userRows)
            }
        }
        f += FLOPs.languageModel(c.llm, batch: batch, newTokens: positions, userRows: userRows, logitsRows: answerRows)
        return f
    }

    /// Each row's throughput over the tp row's at its length.
    public static func withRatios(_ rows: [TrainingThroughputRow]) -> [TrainingThroughputRow] {
        rows.map { r in
            var r = r
            if let tp = rows.first(where: { $0.variant == "tp" && $0.historyEvents == r.historyEvents }),
               tp.examplesPerSecond > 0, r.examplesPerSecond > 0 {
                r.throughputRatio = r.examplesPerSecond / tp.examplesPerSecond
            }
            return r
        }
    }
}
