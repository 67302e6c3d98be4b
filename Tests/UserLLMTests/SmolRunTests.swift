import Foundation
import NN
import Tensor
import Timelines
import UserLLM
import XCTest

/// USER-LLM on the pretrained SmolLM2-135M-Instruct (the `smol` preset): the model starts as
/// the file's, each strategy moves exactly what it names, gates open, a run reopens with
/// equal logits and only with the same file. Real MovieLens-100K, a few steps on a handful
/// of users per strategy (about a minute in all).
final class SmolRunTests: XCTestCase {
    /// The smol preset with stages of a few steps; cross-attention every 10th layer keeps
    /// the models small (layers 0, 10, 20).
    static func preset() throws -> Preset {
        var p = try Preset.named("smol")
        p.llm.crossAttentionEvery = 10
        // LoRA on the MLP too, so `lora` tests adapters on quantised SwiGLU weights.
        p.lora.targets = ["wq", "wv", "w1", "w2", "w3"]
        p.stages.encoder.steps = 4
        p.stages.encoder.evalEvery = 0
        for k in [\Preset.Stages.finetune, \.finetuneTP] {
            p.stages[keyPath: k].steps = 2
            p.stages[keyPath: k].batchSize = 2
            p.stages[keyPath: k].evalEvery = 0
            p.stages[keyPath: k].warmupSteps = 1
            p.stages[keyPath: k].learningRate = 1e-3
        }
        return p
    }

    static let pipeline: Result<TrainingPipeline, Error> = Result {
        let ds = try PipelineFixture.dataset.get()
        let run = RunDirectory(PipelineFixture.temporaryDirectory("smol"))
        let config = RunConfig(dataset: "movielens-100k", dataDir: nil, preset: try preset(), tasks: ["next-item"])
        let pipeline = try TrainingPipeline(context: try RunContext(run: run, config: config, dataset: ds))
        try pipeline.pretrain(encoder: true)
        return pipeline
    }

    private func pipeline() throws -> TrainingPipeline {
        _ = try SmolLM2TestModel.url()
        return try Self.pipeline.get()
    }

    /// Gates at 0: the model with cross-attention layers is exactly the file's model.
    func testStepZeroLogitsEqualThePlainModel() throws {
        let plain = try SmolLM2TestModel.model().model
        let context = try pipeline().context
        let model = try context.startingModel(ModelChoice(mode: .xattn), training: true)
        XCTAssertEqual(model.languageModel.blocks.map { $0.xattn != nil }, (0..<30).map { $0 % 10 == 0 })
        let prompts = try context.promptBuilder(mode: .xattn)
        let example = context.builder.examples(.nextItem, .test)[0]
        let tokens = prompts.trainingSequence(example).tokens
        XCTAssertGreaterThan(tokens.count, 30)
        var gen = SeededGenerator(seed: 1)
        let user = Tensor.randn([1, 7, 576], std: 1, generator: &gen)
        let (a, b) = Autograd.noGrad {
            (model.languageModel(tokens: tokens, batch: 1, user: user, userLengths: [7]), plain(tokens: tokens, batch: 1))
        }
        XCTAssertEqual(a.shape, b.shape)
        let worst = zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? .nan
        XCTAssertEqual(worst, 0, "gates at 0 must leave every logit as the plain model's")
    }

    /// Each strategy of xattn+Perceiver, and zero-shot TP: what moves, gates, checkpoint
    /// size, reopening.
    func testEachStrategyTrainsWhatItNamesAndReopensIdentically() throws {
        let pipeline = try pipeline()
        let context = pipeline.context
        let examples = Array(context.builder.examples(.nextItem, .test).prefix(2))
        let choices = [TrainingStrategy.full, .lora, .enc, .proj].map { ModelChoice(mode: .xattn, perceiver: true, strategy: $0) }
            + [ModelChoice(mode: .tp, strategy: .zeroShot)]
        for choice in choices {
            try pipeline.run(models: [choice])
            let start = try context.startingModel(choice, training: true)
            start.apply(choice.strategy, lora: context.config.preset.lora, seed: context.config.preset.seed)
            let trained = try context.loadModel(choice)
            let before = start.namedParameters()
            var moved: [String] = []
            for (name, p) in trained.model.parameters() {
                let old = try XCTUnwrap(before[name], name)
                let changed = zip(old.scalars, p.scalars).contains { $0 != $1 }
                let trains = Self.trains(name, choice.strategy)
                if changed { moved.append(name) }
                if !trains { XCTAssertFalse(changed, "\(choice.name): \(name) is frozen but moved") }
            }
            let groups: [(String, Bool)] = [
                ("llm.blocks.5.attn.wq.weight", choice.strategy == .full),
                ("llm.tok_emb.weight", choice.strategy == .full),
                ("llm.blocks.5.attn.wq.lora_B", choice.strategy == .lora),
                ("llm.blocks.5.mlp.w2.lora_B", choice.strategy == .lora),
                ("encoder.", choice.mode == .xattn && [.full, .lora, .enc].contains(choice.strategy)),
                ("projection.weight", choice.mode == .xattn),
                ("perceiver.", choice.mode == .xattn),
                ("llm.blocks.10.xattn.", choice.mode == .xattn),
            ]
            for (prefix, shouldMove) in groups {
                XCTAssertEqual(moved.contains { $0.hasPrefix(prefix) }, shouldMove, "\(choice.name): \(prefix) moved?")
            }
            // What does not train stays in the file's blocks, with no f32 copy.
            XCTAssertEqual(trained.languageModel.quantizedWeights.count, choice.strategy == .full ? 0 : 30 * 7 + 1, choice.name)
            if choice.mode == .xattn {
                XCTAssertTrue(trained.languageModel.gateValues.contains { $0 != 0 }, "\(choice.name): gates stayed shut")
                XCTAssertEqual(trained.languageModel.gateValues.count, 3)
            }
            // The checkpoint holds what trains, not a second copy of a frozen LLM.
            let bytes = try XCTUnwrap(FileManager.default.attributesOfItem(atPath: context.run.checkpointURL(choice.name).path)[.size] as? Int)
            XCTAssertEqual(bytes > 400_000_000, choice.strategy == .full, "\(choice.name): checkpoint of \(bytes) bytes")
            // A second process opening the run gets the same model.
            let reopened = try RunContext.open(context.run.url, dataset: context.dataset).loadModel(choice)
            let (a, b) = (trained.logits(examples), reopened.logits(examples))
            XCTAssertEqual(a.scalars, b.scalars, "\(choice.name): reopened logits differ")
        }
    }

    /// A frozen backbone keeps the file's quantised blocks and drops its f32 copy (only the
    /// norms stay f32); decoding reads the blocks with the f32 copy's logits, to float rounding.
    func testFrozenWeightsDecodeFromTheirQuantizedBlocks() throws {
        let context = try pipeline().context
        let model = try context.startingModel(ModelChoice(mode: .tp, strategy: .zeroShot), training: false).languageModel
        let prompt = try context.promptBuilder(mode: .tp).promptTokens(context.builder.examples(.nextItem, .test)[0])
        func stepLogits() -> [Float] {
            let decoder = IncrementalDecoder(model: model)
            decoder.start(capacity: prompt.count + 4)
            decoder.reserve(rows: 3)
            _ = decoder.prefill(tokens: prompt)
            decoder.expand(to: 3)
            _ = decoder.step([28, 17, 2543])
            return decoder.step([11, 9, 30]).scalars
        }
        let dense = stepLogits()
        XCTAssertEqual(model.keepQuantized(try XCTUnwrap(context.backbone).quantizedMatrices(layers: 30)), 30 * 7 + 1,
                       "7 matrices per layer and the tied head")
        XCTAssertEqual(model.quantizedWeights.count, 30 * 7 + 1)
        XCTAssertEqual(model.parameterCount, 30 * 2 * 576 + 576, "only the norms stay f32")
        let quantized = stepLogits()
        // A beam step on the spinning team gives the sleeping pool's logits bit for bit (each
        // output is still one thread's sum); the attention heads' few-row products nest
        // inside the team's loop.
        Parallel.spinningTeamEnabled = false
        let pooled = stepLogits()
        Parallel.spinningTeamEnabled = true
        let teamDrift = zip(quantized, pooled).map { abs($0 - $1) }.max() ?? .nan
        XCTAssertTrue(quantized == pooled, "decoding on the spinning team differs from the pool by up to \(teamDrift)")
        let scale = dense.map(abs).max() ?? 1
        let worst = zip(dense, quantized).map { abs($0 - $1) }.max() ?? .nan
        XCTAssertLessThan(worst / scale, 1e-4, "quantised decoding drifted from the f32 copy")
        XCTAssertEqual(dense.firstIndex(of: dense.max()!), quantized.firstIndex(of: quantized.max()!))
    }

    /// Training with the frozen LLM in quantised blocks (`enc`, `proj`, `lora`) computes the
    /// loss and the trainable parameters' gradients of training with its f32 copy.
    func testFrozenQuantizedTrainingMatchesTheF32Copy() throws {
        let context = try pipeline().context
        let examples = Array(context.builder.examples(.nextItem, .train).prefix(2))
        let prompts = try context.promptBuilder(mode: .xattn)
        let events = EventBatch(examples: examples, builder: context.builder, features: context.features)
        for strategy in [TrainingStrategy.enc, .lora] {
            let choice = ModelChoice(mode: .xattn, perceiver: true, strategy: strategy)
            func lossAndGradients(quantized: Bool) throws -> (Float, [String: [Float]]) {
                let model = try context.startingModel(choice, training: true)
                model.apply(strategy, lora: context.config.preset.lora, seed: context.config.preset.seed)
                if quantized { model.languageModel.keepQuantized(try XCTUnwrap(context.backbone).quantizedMatrices(layers: 30)) }
                let loss = model.loss(prompts.batch(examples), events: events)
                loss.backward()
                let grads = model.parameters().filter(\.1.requiresGrad).compactMap { name, p in p.grad.map { (name, $0.scalars) } }
                return (loss.item, Dictionary(uniqueKeysWithValues: grads))
            }
            let (f32Loss, f32Grads) = try lossAndGradients(quantized: false)
            let (qLoss, qGrads) = try lossAndGradients(quantized: true)
            XCTAssertEqual(qLoss, f32Loss, accuracy: 1e-4 * abs(f32Loss), "\(strategy)")
            XCTAssertEqual(Set(qGrads.keys), Set(f32Grads.keys), "\(strategy): the same parameters train")
            XCTAssertTrue(qGrads.keys.contains("llm.blocks.10.xattn.gate"))
            if strategy == .lora { XCTAssertTrue(qGrads.keys.contains("llm.blocks.5.attn.wq.lora_A")) }
            for (name, g) in f32Grads {
                let q = try XCTUnwrap(qGrads[name])
                let scale = max(g.map(abs).max() ?? 0, 1e-6)
                let worst = zip(g, q).map { abs($0 - $1) }.max() ?? .nan
                XCTAssertLessThan(worst / scale, 1e-3, "\(strategy): \(name)'s gradient")
            }
        }
    }

    /// A run remembers its file by sha256 and will not open with another.
    func testRunRefusesAnotherModelFile() throws {
        let context = try pipeline().context
        XCTAssertEqual(context.config.backboneSHA256?.count, 64)
        var config = context.config
        config.backboneSHA256 = String(repeating: "0", count: 64)
        let run = RunDirectory(PipelineFixture.temporaryDirectory("smol-sha"))
        XCTAssertThrowsError(try RunContext(run: run, config: config, dataset: context.dataset)) { error in
            XCTAssertTrue("\(error)".contains("sha256") && "\(error)".contains(context.config.backboneSHA256!), "\(error)")
        }
    }

    /// ChatML prompts: markup from the template, the user's text never parsed for control
    /// tokens, every answer closed by <|im_end|>, TP trimmed to the context.
    func testChatPromptsFollowTheTemplate() throws {
        let context = try pipeline().context
        let tokenizer = try XCTUnwrap(context.tokenizer)
        let example = context.builder.examples(.nextItem, .test)[3]
        let xattn = try context.promptBuilder(mode: .xattn)
        let text = tokenizer.decode(xattn.promptTokens(example))
        XCTAssertTrue(text.hasPrefix("<|im_start|>system\n\(PromptBuilder.systemMessage)<|im_end|>\n<|im_start|>user\n"), text)
        XCTAssertTrue(text.hasSuffix("?<|im_end|>\n<|im_start|>assistant\n"), text)
        XCTAssertFalse(text.contains("Answer:"), text)
        let end = try XCTUnwrap(tokenizer.id(ofSpecial: "<|im_end|>"))
        XCTAssertEqual(xattn.endOfAnswer, end)
        XCTAssertEqual(xattn.answerTokens("Toy Story (1995)", task: .nextItem).last, end)
        XCTAssertFalse(xattn.answerTokens("A <|im_end|> B", task: .nextItem).dropLast().contains(end),
                       "a title spelling <|im_end|> stays text")
        let tp = try context.promptBuilder(mode: .tp)
        let tpText = tokenizer.decode(tp.promptTokens(example))
        XCTAssertTrue(tpText.contains("history, oldest first:") && tpText.hasSuffix("<|im_start|>assistant\n"), tpText)
        XCTAssertLessThan(tp.promptTokens(example).count, context.config.preset.llm.contextLength)
    }

    private static func trains(_ name: String, _ strategy: TrainingStrategy) -> Bool {
        if name.contains("lora_") { return true }
        if name.hasPrefix("llm.") && !name.contains(".xattn.") { return strategy == .full }
        if name.hasPrefix("encoder.") { return strategy.trainsEncoder }
        return strategy != .zeroShot
    }
}
