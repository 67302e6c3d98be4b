import Foundation
import NN
import Tensor
import Timelines
import UserLLM
import XCTest

/// The analytic FLOPs that eval, generate and the benchmarks print, against the products the
/// engine runs (`FLOPCounter` adds 2·m·n·k per product in every product wrapper): for one
/// answer and one training forward of every mode, matmul and attention must be EXACTLY equal.
final class FLOPCountingTests: XCTestCase {
    private static var cachedWorkbench: CostWorkbench?

    /// Tiny untrained preset on MovieLens-100K (a forward costs the same whatever the
    /// weights). 70-event windows: the encoder's causal attention spans two 64-row blocks,
    /// TP's prompt many.
    private func workbench() throws -> CostWorkbench {
        if let w = Self.cachedWorkbench { return w }
        let data = try Dataset.load(named: "movielens-100k", dataDir: InferenceTestData.movieLens100K())
        let w = try CostWorkbench(preset: try Preset.named("tiny"), dataset: data, maxEvents: 70)
        Self.cachedWorkbench = w
        return w
    }

    private func assertCounted(_ counts: FLOPCounter.Counts, _ analytic: FLOPCount, _ what: String,
                               file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertGreaterThan(counts.matmul, 0, "\(what): nothing counted", file: file, line: line)
        XCTAssertEqual(counts.matmul, analytic.matmul, "\(what): matmul", file: file, line: line)
        XCTAssertEqual(counts.attention, analytic.attention, "\(what): attention", file: file, line: line)
    }

    /// The counter itself: off it adds nothing; on, 2·m·n·k per product from every path
    /// (sgemm, the few-row kernel, fused few-row products), split by kind, nested counts inside
    /// outer ones.
    func testCounterAddsTwoMNKPerProduct() {
        let a = Tensor.ones([50, 8]), b = Tensor.ones([6, 8]), c = Tensor.empty([50, 6])
        func products() {
            BLAS.gemm(transA: false, transB: true, m: 50, n: 6, k: 8, a: a.pointer, b: b.pointer, c: c.pointer)  // sgemm
            BLAS.gemm(transA: false, transB: true, m: 3, n: 6, k: 8, a: a.pointer, b: b.pointer, c: c.pointer,
                      kind: .attention)  // few rows
            SmallRowsGemm.multiply(m: 2, k: 8, a: a.pointer, lda: 8, .init(b: b.pointer, n: 6, c: c.pointer, ldc: 6),
                                   .init(b: b.pointer, n: 4, c: c.pointer, ldc: 6))
        }
        XCTAssertFalse(FLOPCounter.isOn)
        let (_, outer) = FLOPCounter.counting {
            products()
            let (_, inner) = FLOPCounter.counting { products() }
            XCTAssertEqual(inner, FLOPCounter.Counts(matmul: 2 * 50 * 6 * 8 + 2 * 2 * 10 * 8, attention: 2 * 3 * 6 * 8))
        }
        XCTAssertEqual(outer, FLOPCounter.Counts(matmul: 2 * (2 * 50 * 6 * 8 + 2 * 2 * 10 * 8), attention: 2 * 2 * 3 * 6 * 8))
        XCTAssertFalse(FLOPCounter.isOn)
        XCTAssertEqual(FLOPCounter.counting { }.counts, FLOPCounter.Counts())
    }

    /// Causal attention through the op over 150 queries (3 blocks of 64) after 20 cached keys,
    /// and plain attention, against `FLOPs.attention`.
    func testAttentionOpCountsItsBlocks() {
        let (b, h, d) = (2, 3, 4)
        for (tq, tk, causal) in [(150, 170, true), (5, 5, true), (7, 11, false)] {
            let q = Tensor.ones([b, h, tq, d]), kv = Tensor.ones([b, h, tk, d])
            let (_, counts) = FLOPCounter.counting {
                Autograd.noGrad { _ = Tensor.attention(q: q, k: kv, v: kv, mask: AttentionMask(causal: causal)) }
            }
            let analytic = FLOPs.attention(batch: b, heads: h, queries: tq, keys: tk, headDim: d, causal: causal)
            XCTAssertEqual(counts, FLOPCounter.Counts(attention: analytic.attention), "(\(tq), \(tk)) causal \(causal)")
        }
        // 150 after 20: blocks of 64, 64, 22 rows seeing 84, 148, 170 keys.
        XCTAssertEqual(Tensor.attentionScoresComputed(queries: 150, keys: 170, causal: true), 64 * 84 + 64 * 148 + 22 * 170)
    }

    /// The decoder alone on a padded prefix (2 of 3 rows real) and a padded user (4 of 5):
    /// prefill, three beam rows, a reorder, a pass feeding 2, 1 and 3 tokens; with and
    /// without cross-attention, f32 weights. Padded user rows are never scored, so they
    /// cost nothing; a padded prefix row is scored, then masked.
    func testIncrementalDecoderCountsWhatItRuns() {
        for crossAttention in [true, false] {
            let model = InferenceFixtures.model(crossAttention: crossAttention, seed: 7)
            let prompt = InferenceFixtures.prompt(model, tokens: [1, 5, 2, 7], seed: 8)
            let decoder = IncrementalDecoder(model: model)
            let (_, counts) = FLOPCounter.counting {
                decoder.start(capacity: prompt.positions + 8, user: prompt.user, userLength: prompt.userLength)
                decoder.reserve(rows: 3)
                _ = decoder.prefill(tokens: prompt.tokens, prefix: prompt.prefix, prefixLength: prompt.prefixLength)
                decoder.expand(to: 3)
                _ = decoder.step([3, 4, 5])
                decoder.reorder([2, 0, 0])
                _ = decoder.step([6, 7, 8, 9, 10, 11], counts: [2, 1, 3])
            }
            assertCounted(counts, decoder.flops, "decoder, cross-attention \(crossAttention)")
        }
    }

    /// Each mode answering one next-item question as `eval`/`generate` do (Predictor: the
    /// encoder, Perceiver and projection; the prompt's prefill; constrained beam search with
    /// batched beam rows): the counted products are the printed FLOPs, and the encoder's
    /// part alone is `encoderFLOPs`.
    func testEveryModeAnswerCostsItsAnalyticFLOPs() throws {
        let bench = try workbench()
        let user = try bench.longUsers(events: 70, count: 1)[0]
        for choice in CostVariants.all {
            let name = CostVariants.name(choice)
            let predictor = Predictor(trained: try bench.trainedModel(choice, length: 70))
            let example = try predictor.example(user: user, task: .nextItem)
            let ((_, encoding), encoder) = FLOPCounter.counting { predictor.prompt(example) }
            if choice.mode.usesEncoder {
                assertCounted(encoder, encoding.encoderFLOPs, "\(name) encoder")
            } else {
                XCTAssertEqual(encoder, FLOPCounter.Counts(), "tp runs no encoder")
            }
            let (prediction, counts) = FLOPCounter.counting { predictor.predict(example) }
            XCTAssertGreaterThan(prediction.stats.decodeRows, prediction.stats.decodeSteps, "\(name): beams batched")
            assertCounted(counts, prediction.stats.flops, "\(name) answer")
        }
    }

    /// One training forward per mode on a batch of two users (as `bench train` runs it, tape
    /// off): the counted products are `TrainingThroughputBenchmark.forwardFLOPs`.
    func testEveryModeTrainingForwardCostsItsAnalyticFLOPs() throws {
        let bench = try workbench()
        let users = try bench.longUsers(events: 70, count: 2)
        for choice in CostVariants.all {
            let trained = try bench.trainedModel(choice, length: 70)
            let predictor = Predictor(trained: trained)
            let examples = try users.map { try predictor.example(user: $0, task: .nextItem) }
            let batch = trained.prompts.batch(examples)
            let events = choice.mode.usesEncoder
                ? EventBatch(examples: examples, builder: trained.context.builder, features: trained.context.features) : nil
            let (_, counts) = FLOPCounter.counting { Autograd.noGrad { _ = trained.model.loss(batch, events: events) } }
            let prefix = choice.prefixRows(window: 70, latents: trained.model.config.perceiverLatents)
            let analytic = TrainingThroughputBenchmark.forwardFLOPs(trained.model.config, batch: 2, positions: batch.length + prefix,
                                                                    events: events, answerRows: batch.lossPositions.count)
            assertCounted(counts, analytic, "\(CostVariants.name(choice)) training forward")
        }
    }

    /// SmolLM2-135M (the smol preset, fusion layers untrained) answering with its frozen
    /// weights decoded from the file's quantised blocks, tp and xattn+Perceiver.
    func testSmolLM2AnswerCostsItsAnalyticFLOPs() throws {
        _ = try SmolLM2TestModel.url()
        let data = try Dataset.load(named: "movielens-100k", dataDir: InferenceTestData.movieLens100K())
        let bench = try CostWorkbench(preset: try Preset.named("smol"), dataset: data, maxEvents: 5)
        let user = try bench.longUsers(events: 5, count: 1)[0]
        for choice in [ModelChoice(mode: .tp), ModelChoice(mode: .xattn, perceiver: true)] {
            let trained = try bench.trainedModel(choice, length: 5)
            let backbone = try XCTUnwrap(trained.context.backbone)
            let llm = trained.languageModel
            XCTAssertGreaterThan(llm.keepQuantized(try backbone.quantizedMatrices(layers: llm.config.layers)), 0)
            let predictor = Predictor(trained: trained)
            let example = try predictor.example(user: user, task: .nextItem)
            let (prediction, counts) = FLOPCounter.counting { predictor.predict(example) }
            assertCounted(counts, prediction.stats.flops, "smol \(CostVariants.name(choice)) answer")
        }
    }
}
