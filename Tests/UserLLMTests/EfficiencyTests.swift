import Foundation
import NN
import Tensor
import Timelines
import UserLLM
import XCTest

/// The inference path of every fusion mode against the training path's forward, the
/// efficiency benchmarks' bookkeeping, and FLOPs of the user side by hand.
final class EfficiencyTests: XCTestCase {
    private static var cachedWorkbench: CostWorkbench?

    /// Tiny untrained preset on MovieLens-100K, windows up to 60 events.
    private func workbench() throws -> CostWorkbench {
        if let w = Self.cachedWorkbench { return w }
        let data = try Dataset.load(named: "movielens-100k", dataDir: InferenceTestData.movieLens100K())
        let w = try CostWorkbench(preset: try Preset.named("tiny"), dataset: data, maxEvents: 60)
        Self.cachedWorkbench = w
        return w
    }

    /// Weights N(0, 0.08²) and open cross-attention gates: an untrained model's zero gates
    /// would hide the user context from the logits.
    private func randomize(_ model: UserLLMModel, seed: UInt64) {
        var gen = SeededGenerator(seed: seed)
        for (name, p) in model.parameters() where !name.hasSuffix("norm.weight") && !name.hasSuffix("norm.bias") {
            for i in 0..<p.count { p.pointer[i] = gen.nextNormal() * 0.08 }
        }
        for block in model.languageModel.blocks { block.xattn?.gate.pointer[0] = 0.7 }
    }

    private func maxRelativeError(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        (0..<n).map { abs(a[$0] - b[$0]) / max(1, abs(b[$0])) }.max() ?? 0
    }

    /// For each of tp, soft, soft+perceiver, xattn, xattn+perceiver: two users in one padded
    /// training batch (tape on) give the logits that the inference path — Predictor's prompt
    /// (encoder and Perceiver without the tape), IncrementalDecoder prefill, then batched
    /// beam rows stepping through the answer — gives each of them alone, to 1e-5.
    func testInferencePathEqualsTrainingForwardForEveryMode() throws {
        let bench = try workbench()
        let users = try bench.longUsers(events: 30, count: 2)
        for (i, choice) in CostVariants.all.enumerated() {
            let name = CostVariants.name(choice)
            let trained = try bench.trainedModel(choice, length: 30)
            randomize(trained.model, seed: 100 + UInt64(i))
            // The f32 inference path against the training forward, to 1e-5 (bf16x3's own check:
            // PackedDecodingTests); packed copies would also be of the weights before randomize.
            trained.answer(in: .f32)
            let predictor = Predictor(trained: trained)
            let examples = try users.map { try predictor.example(user: $0, task: .nextItem) }
            let batch = trained.prompts.batch(examples)
            let events = choice.mode.usesEncoder
                ? EventBatch(examples: examples, builder: trained.context.builder, features: trained.context.features) : nil
            trained.model.unfreeze()
            let full = trained.model.logits(batch, events: events)  // (2, T, V), on the tape
            XCTAssertTrue(full.requiresGrad, "\(name): the reference runs the training path (tape on)")
            let v = trained.languageModel.config.vocabSize
            for (b, example) in examples.enumerated() {
                let (prompt, _) = predictor.prompt(example)
                let answer = trained.answerTokens(example.answer, task: .nextItem)
                XCTAssertEqual(prompt.tokens, Array(batch.inputs[(b * batch.length)..<(b * batch.length + prompt.tokens.count)]))
                func reference(_ position: Int) -> UnsafePointer<Float> {
                    UnsafePointer(full.pointer + (b * batch.length + position) * v)
                }
                let decoder = IncrementalDecoder(model: trained.languageModel)
                decoder.start(capacity: prompt.positions + answer.count + 1, user: prompt.user, userLength: prompt.userLength)
                let first = decoder.prefill(tokens: prompt.tokens, prefix: prompt.prefix, prefixLength: prompt.prefixLength)
                XCTAssertLessThan(maxRelativeError(first.pointer, reference(prompt.tokens.count - 1), v), 1e-5,
                                  "\(name) user \(b): prefill")
                decoder.expand(to: 3)
                for (t, token) in answer.dropLast().enumerated() {
                    decoder.reorder([0, 0, 1])  // rows 0 and 1 hold the same history: a moved row must not change
                    let logits = decoder.step([token, token, token])
                    for row in 0..<3 {
                        XCTAssertLessThan(maxRelativeError(logits.pointer + row * v, reference(prompt.tokens.count + t), v), 1e-5,
                                          "\(name) user \(b): answer token \(t), beam row \(row)")
                    }
                }
            }
            if choice.mode != .tp {
                // The user side matters: another user's history changes the logits.
                let (a, _) = predictor.prompt(examples[0])
                let (other, _) = predictor.prompt(examples[1])
                let d = trained.languageModel.config.dModel
                let ta = (a.prefix ?? a.user)!, tb = (other.prefix ?? other.user)!
                XCTAssertGreaterThan(maxRelativeError(ta.pointer, tb.pointer, d), 1e-3, "\(name): user embeddings differ by user")
            }
        }
    }

    /// A TP prompt longer than the preset's context keeps its whole window (tiny: 256
    /// positions), and the benchmark's rows say so; the embedding modes' prompts do not
    /// grow with the history; the ratios are tp's figures over the row's.
    func testInferenceBenchmarkRows() throws {
        let bench = try workbench()
        var options = InferenceCostBenchmark.Options()
        options.lengths = [10, 60]
        options.variants = ["tp", "xattn+perceiver", "soft"]
        options.repeats = 1
        options.users = 1
        options.memory = true
        let rows = try InferenceCostBenchmark(workbench: bench, options: options).run()
        XCTAssertEqual(rows.map(\.variant), ["tp", "xattn+perceiver", "soft", "tp", "xattn+perceiver", "soft"])
        XCTAssertEqual(rows.map(\.historyEvents), [10, 10, 10, 60, 60, 60])
        let (tp10, x10, soft10, tp60, x60, soft60) = (rows[0], rows[1], rows[2], rows[3], rows[4], rows[5])
        XCTAssertGreaterThan(tp60.promptTokens, 5 * Double(tp10.promptTokens) * 0.8, "TP writes every event out")
        XCTAssertTrue(tp60.contextExtended, "60 events of text exceed tiny's 256 positions")
        XCTAssertFalse(x60.contextExtended)
        XCTAssertEqual(x10.promptTokens, x60.promptTokens)
        XCTAssertEqual(x60.userRows, 8, "tiny's Perceiver: 8 latents")
        XCTAssertEqual(soft60.prefixRows, 60)
        XCTAssertEqual(soft10.prefixRows, 10)
        XCTAssertGreaterThan(tp60.contextFLOPs, tp10.contextFLOPs * 4)
        XCTAssertGreaterThan(tp60.flops, tp60.contextFLOPs)
        for r in rows {
            XCTAssertEqual(r.speedup!, rows.first { $0.variant == "tp" && $0.historyEvents == r.historyEvents }!.seconds / r.seconds,
                           accuracy: 1e-9)
            XCTAssertGreaterThan(r.seconds, 0)
            XCTAssertGreaterThanOrEqual(r.seconds, r.encodeSeconds + r.prefillSeconds + r.decodeSeconds)
            XCTAssertGreaterThan(r.decodeSteps, 0)
        }
        XCTAssertEqual(tp60.flopsRatio, 1)
        XCTAssertGreaterThan(x60.contextFLOPsRatio!, x10.contextFLOPsRatio!, "the TP ÷ xattn+perceiver ratio grows with the history")
        // The JSON carries the derived fields and decodes back.
        let data = try JSONEncoder().encode(rows)
        let text = String(decoding: data, as: UTF8.self)
        XCTAssertTrue(text.contains("\"contextExtended\":true") && text.contains("\"answerFLOPs\""))
        XCTAssertTrue(text.contains("\"precision\":\"\(InferencePrecision.standard.rawValue)\""), "the arithmetic is in the JSON")
        XCTAssertEqual(try JSONDecoder().decode([InferenceCostRow].self, from: data), rows)
    }

    /// A training step per mode runs, counts its tokens, and the TP batch shrinks (or the
    /// cell is skipped) when its attention would not fit the budget.
    func testTrainingBenchmarkRows() throws {
        let bench = try workbench()
        var options = TrainingThroughputBenchmark.Options()
        options.lengths = [20]
        options.variants = ["tp", "xattn+perceiver"]
        options.batch = 2
        options.steps = 1
        options.warmup = 0
        let rows = try TrainingThroughputBenchmark(workbench: bench, options: options).run()
        XCTAssertEqual(rows.count, 2)
        XCTAssertEqual(rows.map(\.batch), [2, 2])
        XCTAssertGreaterThan(rows[0].tokensPerExample, 5 * rows[1].tokensPerExample)
        XCTAssertTrue(rows.allSatisfy { $0.stepSeconds > 0 && $0.stepFLOPs > 0 && $0.note == nil })
        XCTAssertEqual(rows[0].throughputRatio, 1)
        options.variants = ["tp"]
        options.activationMemoryGiB = 1e-6
        let skipped = try TrainingThroughputBenchmark(workbench: bench, options: options).run()
        XCTAssertEqual(skipped[0].batch, 0)
        XCTAssertNotNil(skipped[0].note)
    }

    /// The kernel's high-water mark sees a 64 MiB buffer written inside the measurement.
    func testPeakMemorySeesAnAllocation() throws {
        guard PeakMemory.isAvailable else { throw XCTSkip("/proc/self/clear_refs cannot reset the peak here") }
        let (sum, bytes) = PeakMemory.measure { () -> Float in
            let s = Storage(count: 16 << 20)  // zeroed: every page touched
            s.pointer[123] = 1
            return s.pointer[123]
        }
        XCTAssertEqual(sum, 1)
        XCTAssertGreaterThan(bytes!, 60 << 20)
        XCTAssertLessThan(bytes!, 200 << 20)
    }

    /// The user side of the `tiny`-sized shapes, by hand (arithmetic in the comments).
    func testUserContextFLOPsByHand() {
        // Encoder: d 8, 1 layer, 2 heads, MLP 16, no bias; item 8 + category 4 + rating 2 = 14 in.
        let encoder = EncoderConfig(dModel: 8, layers: 1, heads: 2, mlpHidden: 16, maxEvents: 10, itemDim: 8,
                                    categoryDim: 4, ratingDim: 2)
        let llm = LanguageModelConfig(vocabSize: 11, dModel: 6, layers: 2, heads: 2, mlpHidden: 12, contextLength: 16)
        // 3 events, 2 categories each, batch 1.
        let e = FLOPs.userEncoder(encoder, events: 3, categoriesPerEvent: 2)
        // matmul: projection 2·3·14·8 = 672; block qkvo 4·2·3·8·8 = 1536; fc 2·3·8·16 = 768; proj 768 → 3744
        XCTAssertEqual(e.matmul, 3744)
        // attention: causal, one 64-row block computes all 3 × 3 scores (6 visible);
        // 2 heads × 2·(2·9·4) = 288
        XCTAssertEqual(e.attention, 288)
        // approximate: category mean 3·4·2 = 24; position add 3·8 = 24; LayerNorms 3 × 3·8·7 = 504;
        // softmax 2·6·5 = 60; residuals 2·24 = 48; gelu 3·16·8 = 384                   → 1044
        XCTAssertEqual(e.approximate, 1044)

        let plain = UserLLMModelConfig(mode: .xattn, perceiver: false, llm: llm, encoder: encoder,
                                       perceiverLatents: 2, perceiverLayers: 1, perceiverHeads: 2)
        // + projection of the 3 rows to d 6 with bias: 2·3·8·6 = 288 matmul, 18 bias.
        XCTAssertEqual(FLOPs.userContext(plain, events: 3, categoriesPerEvent: 2),
                       e + FLOPCount(matmul: 288, approximate: 18))
        XCTAssertEqual(FLOPs.userContext(UserLLMModelConfig(mode: .tp, perceiver: true, llm: llm, encoder: encoder,
                                                            perceiverLatents: 2, perceiverLayers: 1, perceiverHeads: 2),
                                         events: 3), .zero)
        let compressed = UserLLMModelConfig(mode: .xattn, perceiver: true, llm: llm, encoder: encoder,
                                            perceiverLatents: 2, perceiverLayers: 1, perceiverHeads: 2)
        // Perceiver (dim 8, 2 latents, 3 inputs, ff 32): wq wo 2·2·2·8·8 = 512, wk wv 2·2·5·8·8 = 1280,
        // fc 2·2·8·32 = 1024, proj 1024 → 3840 matmul; attention 2 heads × 2·(2·2·5·4) = 320;
        // approximate (2+3)·8·7 = 280 + softmax 2·2·5·5 = 100 + 2·8·9 = 144 + gelu 2·32·8 = 512
        // + final norm 2·8·7 = 112 → 1148. Then the projection of 2 latents: 2·2·8·6 = 192, bias 12.
        XCTAssertEqual(FLOPs.userContext(compressed, events: 3, categoriesPerEvent: 2),
                       e + FLOPCount(matmul: 3840 + 192, attention: 320, approximate: 1148 + 12))
        // Cross-attention keys and values of the 2 latents, both layers: 2·2·(2·2·6·6) = 576.
        XCTAssertEqual(FLOPs.crossAttentionContext(compressed.llm, userRows: 2).matmul, 576)
    }

    /// One training step's forward FLOPs, assembled by hand from the parts.
    func testTrainingStepFLOPs() {
        let encoder = EncoderConfig(dModel: 8, layers: 1, heads: 2, mlpHidden: 16, maxEvents: 10, itemDim: 8,
                                    categoryDim: 4, ratingDim: 2)
        let llm = LanguageModelConfig(vocabSize: 11, dModel: 6, layers: 2, heads: 2, mlpHidden: 12, contextLength: 16)
        let tp = UserLLMModelConfig(mode: .tp, perceiver: false, llm: llm, encoder: encoder,
                                    perceiverLatents: 2, perceiverLayers: 1, perceiverHeads: 2)
        // TP, batch 2 of 5 positions, head on 3 answer rows: every LLM layer on 10 rows, head 2·3·6·11 = 396.
        let f = TrainingThroughputBenchmark.forwardFLOPs(tp, batch: 2, positions: 5, events: nil, answerRows: 3)
        let body = FLOPs.transformerBlock(llm.block, batch: 2, newTokens: 5) * 2
        XCTAssertEqual(f, body + FLOPCount(matmul: 396, approximate: 3 * 6 * 4))
    }
}
