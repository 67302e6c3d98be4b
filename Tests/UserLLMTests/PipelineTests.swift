import Foundation
import NN
import Tensor
import Timelines
import UserLLM
import XCTest

/// The tiny preset end to end on real MovieLens-100K.
final class PipelineTests: XCTestCase {
    func testPretrainingLossesFall() throws {
        _ = try PipelineFixture.context()
        let metrics = try PipelineFixture.pretrained.get().metrics
        for stage in ["lm", "encoder"] {
            let t = try XCTUnwrap(metrics.stages[stage]?.training, stage)
            let ends = try XCTUnwrap(t.trainLossEnds(5))
            XCTAssertLessThan(ends.last, ends.first * 0.9, "\(stage): \(ends)")
            XCTAssertLessThan(t.validationLosses.last!.loss, t.validationLosses.first!.loss + 1e-3, stage)
        }
        XCTAssertNotNil(metrics.stages["tokenizer"])
        // The encoder validates on what it is for, NDCG@10 of the item head (as 1 − NDCG@10,
        // lower is better), and each validation is a point of the saved learning curve.
        let encoder = try XCTUnwrap(metrics.stages["encoder"])
        let curve = try XCTUnwrap(encoder.learningCurve)
        XCTAssertEqual(curve.map(\.step), encoder.training!.validationLosses.map(\.step))
        for (point, v) in zip(curve, encoder.training!.validationLosses) {
            XCTAssertEqual(Float(1 - point.ndcg10), v.loss, accuracy: 1e-6)
            XCTAssertTrue((0...1).contains(point.recall10) && point.recall10 >= point.ndcg10)
        }
        XCTAssertEqual(curve.map(\.seconds), curve.map(\.seconds).sorted())
        XCTAssertGreaterThan(curve.last!.ndcg10, 0)
    }

    func testFinetuningLossesFallForEachMode() throws {
        let pipeline = try PipelineFixture.pretrained.get()
        let choices = [ModelChoice(mode: .tp), ModelChoice(mode: .soft), ModelChoice(mode: .xattn, perceiver: true)]
        let metrics = try pipeline.run(models: choices)
        for c in choices {
            let t = try XCTUnwrap(metrics.stages[c.name]?.training, c.name)
            let ends = try XCTUnwrap(t.trainLossEnds(5))
            XCTAssertLessThan(ends.last, ends.first * 0.8, "\(c.name): \(ends)")
            XCTAssertTrue(FileManager.default.fileExists(atPath: pipeline.run.checkpointURL(c.name).path))
        }
        // A second call finds every stage done and trains nothing.
        var started: [String] = []
        pipeline.onStage = { name, runs in if runs { started.append(name) } }
        try pipeline.run(models: choices)
        XCTAssertEqual(started, [])
    }

    /// A step whose activations cannot fit is refused before training, naming the
    /// model, the window and what it needs (here under a memory limit set tiny on purpose).
    func testFinetuningThatCannotFitIsRefusedWithWhatItNeeds() throws {
        let pipeline = try PipelineFixture.pretrained.get()
        let choice = ModelChoice(mode: .tp, strategy: .lora)
        setenv("USERLLM_MAX_MEMORY_GB", "0.001", 1)
        defer { unsetenv("USERLLM_MAX_MEMORY_GB") }
        XCTAssertThrowsError(try pipeline.run(models: [choice])) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("tp-lora at a \(pipeline.context.config.preset.windowLength)-event window"), text)
            XCTAssertTrue(text.contains("GiB of activations"), text)
            XCTAssertTrue(text.contains("USERLLM_MAX_MEMORY_GB"), text)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: pipeline.run.checkpointURL(choice.name).path))
    }

    /// The paper's ablation: the same model with its encoder started from random weights.
    /// Finetuning moves an encoder a little; the ablation's ends far from the pretrained one.
    func testRandomEncoderAblationStartsFromScratch() throws {
        let pipeline = try PipelineFixture.pretrained.get()
        let pretrained = ModelChoice(mode: .xattn, perceiver: true)
        let ablation = ModelChoice(mode: .xattn, perceiver: true, randomEncoder: true)
        XCTAssertEqual(ablation.name, "xattn+perceiver-full-random-encoder")
        try pipeline.run(models: [pretrained, ablation])
        let start = try Safetensors.read(pipeline.run.checkpointURL("encoder"))
        func distance(_ name: String) throws -> Float {
            let finetuned = try Safetensors.read(pipeline.run.checkpointURL(name))
            var sum: Float = 0, count = 0
            for entry in start.entries where entry.name.hasPrefix("encoder.") {
                guard let other = try? finetuned.tensor(entry.name) else { continue }
                count += 1
                for (a, b) in zip(entry.tensor.scalars, other.scalars) { sum += (a - b) * (a - b) }
            }
            XCTAssertGreaterThan(count, 0, "\(name) holds no encoder tensor named like the pretrained one")
            return sum.squareRoot()
        }
        XCTAssertGreaterThan(try distance(ablation.name), 3 * (try distance(pretrained.name)))
        let evaluator = Evaluator(context: pipeline.context)
        XCTAssertTrue(evaluator.availableModels().contains(ablation))
    }

    func testModelChoiceNamesAreUniqueAndDecodeWithoutTheAblationKey() throws {
        let names = ModelChoice.all.map(\.name)
        XCTAssertEqual(Set(names).count, names.count)
        XCTAssertTrue(names.contains("tp-full") && names.contains("xattn+perceiver-enc"))
        XCTAssertFalse(names.contains("tp-enc") || names.contains("tp-full-random-encoder"))
        let old = #"{"mode":"xattn","perceiver":true,"strategy":"full"}"#
        XCTAssertEqual(try JSONDecoder().decode(ModelChoice.self, from: Data(old.utf8)), ModelChoice(mode: .xattn, perceiver: true))
    }

    /// Four users share the same question text; only the user embeddings tell them apart.
    func testOverfitsAHandfulOfUsersThenReloadsIdentically() throws {
        let context = try PipelineFixture.context()
        let preset = context.config.preset
        let all = context.builder.examples(.nextItem, .test)
        var examples: [Example] = []
        for e in all where !examples.contains(where: { $0.answer == e.answer }) && examples.count < 4 { examples.append(e) }
        let choice = ModelChoice(mode: .xattn, strategy: .full)
        let model = UserLLMModel(config: choice.modelConfig(preset), vocabularies: context.vocabularies, seed: preset.seed)
        try Safetensors.read(context.run.checkpointURL("lm")).load(into: model.languageModel.parameters(), strict: false)
        model.apply(.full, lora: preset.lora, seed: preset.seed)
        let prompts = try context.promptBuilder(mode: .xattn)
        let batch = prompts.batch(examples)
        let events = EventBatch(examples: examples, builder: context.builder, features: context.features)
        let config = TrainerConfig(steps: 150, batchSize: 4, learningRate: 3e-3, warmupSteps: 5, weightDecay: 0,
                                   evalEvery: 0, evalBatches: 1, patience: 0)
        let trainer = Trainer(name: choice.name, parameters: model.parameters(), config: config, directory: context.run.checkpointsURL)
        _ = try trainer.train(step: { _ in (model.loss(batch, events: events), batch.targetCount) }, validate: { 0 })
        let loss = Autograd.noGrad { model.loss(batch, events: events).item }
        XCTAssertLessThan(loss, 0.05)

        let trained = try context.loadModel(choice)
        for e in examples { XCTAssertEqual(greedy(trained, e), e.answer) }
        // The checkpoint round trip, in the arithmetic that trained it (bf16x3 answers are
        // within ~1e-5 relative: PackedDecodingTests).
        trained.answer(in: .f32)
        let reloaded = trained.logits(examples).scalars
        let original = Autograd.noGrad { model.logits(batch, events: events) }.scalars
        XCTAssertEqual(reloaded.count, original.count)
        XCTAssertEqual(zip(reloaded, original).map { abs($0 - $1) }.max()!, 0, accuracy: 1e-5)
    }

    func testResumeContinuesFromTheCheckpointStep() throws {
        let context = try PipelineFixture.context()
        let tokenizer = try XCTUnwrap(context.tokenizer)
        let blocks = TextBlocks(texts: TextCorpus.catalogueSentences(context.dataset), tokenizer: tokenizer, blockLength: 32)
        let llm = LanguageModelConfig.tiny
        let config = TrainerConfig(steps: 8, batchSize: 4, learningRate: 1e-3, warmupSteps: 2, evalEvery: 2, evalBatches: 1, patience: 0)
        let order = BatchOrder(count: blocks.train.count, batchSize: 4, seed: 5)
        func train(_ dir: URL, interruptAfter: Int?) throws -> (LanguageModel, TrainerResult) {
            let model = LanguageModel(config: llm, seed: 9)
            let trainer = Trainer(name: "lm", parameters: model.parameters(), config: config, directory: dir)
            let result = try trainer.train(step: { s in
                if s + 1 == interruptAfter { TrainingInterrupt.request() }
                let b = blocks.batch(order.indices(step: s).map { blocks.train[$0] })
                let logits = model(tokens: b.inputs, batch: b.batch).reshaped([b.batch * b.length, llm.vocabSize])
                return (Tensor.crossEntropy(logits: logits, targets: b.targets), b.targetCount)
            }, validate: { 1 })
            return (model, result)
        }
        let straight = try train(PipelineFixture.temporaryDirectory("straight"), interruptAfter: nil).0
        let dir = PipelineFixture.temporaryDirectory("resume")
        defer { TrainingInterrupt.reset() }
        XCTAssertThrowsError(try train(dir, interruptAfter: 4)) { error in
            guard case RunError.interrupted(_, let step) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(step, 4)
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("lm.resume.safetensors").path))
        TrainingInterrupt.reset()
        let (resumed, result) = try train(dir, interruptAfter: nil)
        XCTAssertEqual(result.resumedFrom, 4)
        XCTAssertEqual(result.trainLosses.map(\.step), [5, 6, 7, 8])
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("lm.resume.safetensors").path))
        let a = straight.namedParameters(), b = resumed.namedParameters()
        for (name, p) in a {
            let diff = zip(p.scalars, b[name]!.scalars).map { abs($0 - $1) }.max()!
            XCTAssertLessThan(diff, 1e-6, name)
        }
    }

    func testPresetFilesMatchTheCompiledIn() throws {
        for name in Preset.names {
            let url = PipelineFixture.packageRoot.appendingPathComponent("Assets/presets/\(name).json")
            XCTAssertEqual(try Preset.load(from: url), try Preset.named(name), name)
            XCTAssertEqual(try Preset.named(name).name, name)
        }
    }

    /// Greedy decoding through the KV cache, as the inference engineer's decoder does it.
    private func greedy(_ trained: TrainedModel, _ example: Example) -> String {
        let ctx = trained.userContext([example])
        let lm = trained.languageModel
        let eos = trained.tokenizer.id(of: .eos)!
        let state = lm.makeDecodeState(batch: 1, user: ctx?.user, userLengths: ctx?.userLengths)
        var logits = lm.decode(tokens: trained.promptTokens(example), prefix: ctx?.prefix,
                               prefixLengths: ctx?.prefixLengths, state: state)
        var out: [Int32] = []
        for _ in 0..<40 {
            let v = logits.shape[2], last = logits.shape[1] - 1
            let row = Array(logits.scalars[(last * v)..<((last + 1) * v)])
            let next = Int32(row.indices.max { row[$0] < row[$1] }!)
            if next == eos { break }
            out.append(next)
            logits = lm.decode(tokens: [next], state: state)
        }
        return trained.tokenizer.decode(out)
    }
}
