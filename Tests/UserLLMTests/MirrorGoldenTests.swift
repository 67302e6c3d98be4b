import Foundation
import NN
import Tensor
import Timelines
import UserLLM
import XCTest

/// The parts of USER-LLM that had no outside reference, against the PyTorch mirror
/// (python/userllm_torch): Tools/reference/golden_userllm.py writes, in float64 on float32
/// weights, the logits, loss, every gradient and the weights after 3 AdamW steps of
///   - the soft prompt with padded prefixes (windows of different lengths) under LoRA,
///   - xattn with the Perceiver and the projection (full strategy),
///   - the user encoder with its feature embeddings and next-event heads.
/// Tolerance as GoldenTests: 1e-4 relative per tensor (max |ours − theirs| / max |theirs|).
final class MirrorGoldenTests: XCTestCase {
    static let tolerance: Float = 1e-4

    func fixture(_ name: String) throws -> SafetensorsFile {
        try Safetensors.read(GoldenTests.packageRoot().appendingPathComponent("Tests/Fixtures/golden/\(name).safetensors"))
    }

    static func ints(_ f: SafetensorsFile, _ name: String) throws -> [Int32] { try f.tensor(name).scalars.map { Int32($0) } }

    func vocabularies(_ f: SafetensorsFile) throws -> FeatureVocabularies {
        let sizes = try JSONDecoder().decode([String: Int].self, from: Data(try XCTUnwrap(f.metadata["vocab"]).utf8))
        func vocab(_ feature: String) -> Vocabulary {
            Vocabulary(feature: feature, tokens: (2..<sizes[feature]!).map { "\(feature)\($0)" })
        }
        return FeatureVocabularies(item: vocab("item"), category: vocab("category"), rating: vocab("rating"))
    }

    func adamw(_ f: SafetensorsFile) throws -> AdamWConfig {
        struct Adam: Decodable { var lr: Float, betas: [Float], eps: Float, weight_decay: Float }
        let a = try JSONDecoder().decode(Adam.self, from: Data(try XCTUnwrap(f.metadata["adamw"]).utf8))
        return AdamWConfig(learningRate: a.lr, beta1: a.betas[0], beta2: a.betas[1], eps: a.eps, weightDecay: a.weight_decay)
    }

    /// Events (B, M) / (B, M, C) as stored under `prefix`; categories are distinct, PAD after.
    static func features(_ f: SafetensorsFile, _ prefix: String) throws -> (EventBatch.Features, shape: [Int]) {
        let category = try f.tensor(prefix + "category")
        let ids = category.scalars.map { Int32($0) }
        let c = category.shape[2]
        let counts = (0..<(ids.count / c)).map { g in Int32(ids[(g * c)..<((g + 1) * c)].filter { $0 != Vocabulary.pad }.count) }
        return (EventBatch.Features(itemIDs: try Self.ints(f, prefix + "item"), categoryIDs: ids, categoryCounts: counts,
                                    ratingIDs: try Self.ints(f, prefix + "rating")), category.shape)
    }

    static func events(_ f: SafetensorsFile, targets: Bool = false) throws -> EventBatch {
        let (inputs, shape) = try Self.features(f, "input.events.")
        return EventBatch(inputs: inputs, targets: targets ? try Self.features(f, "input.targets.").0 : nil,
                          lengths: try Self.ints(f, "input.events.lengths").map(Int.init), length: shape[1], maxCategories: shape[2])
    }

    static func tokens(_ f: SafetensorsFile) throws -> TokenBatch {
        let seqs = try f.tensor("input.sequences")
        let s = seqs.shape[1]
        let lengths = try Self.ints(f, "input.sequence_lengths").map(Int.init)
        let prompts = try Self.ints(f, "input.prompt_lengths").map(Int.init)
        let rows = lengths.enumerated().map { b, n in (0..<n).map { Int32(seqs.pointer[b * s + $0]) } }
        let masks = lengths.enumerated().map { b, n in (0..<n).map { $0 >= prompts[b] } }
        return TokenBatch(sequences: rows, lossMasks: masks, pad: Int32(f.metadata["pad"].flatMap(Int.init) ?? 3))
    }

    func assertClose(_ ours: Tensor, _ theirs: Tensor, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(ours.shape, theirs.shape, what, file: file, line: line)
        guard ours.shape == theirs.shape else { return }
        var worst: Float = 0, scale: Float = 0, index = 0
        for i in 0..<theirs.count {
            scale = max(scale, abs(theirs.pointer[i]))
            let d = abs(ours.pointer[i] - theirs.pointer[i])
            if d > worst || d.isNaN { worst = d; index = i }
        }
        let error = worst / max(scale, .leastNormalMagnitude)
        XCTAssertLessThanOrEqual(error, Self.tolerance,
                                 "\(what): relative error \(error) at \(index): ours \(ours.pointer[index]), PyTorch \(theirs.pointer[index])",
                                 file: file, line: line)
    }

    /// The UserLLMModel of a fixture with its initial weights (strict: every name matches).
    func userLLM(_ f: SafetensorsFile) throws -> UserLLMModel {
        let config = try JSONDecoder().decode(UserLLMModelConfig.self, from: Data(try XCTUnwrap(f.metadata["config"]).utf8))
        let model = UserLLMModel(config: config, vocabularies: try vocabularies(f), seed: 5)
        let strategy = try XCTUnwrap(TrainingStrategy(rawValue: try XCTUnwrap(f.metadata["strategy"])))
        let lora = try JSONDecoder().decode(Preset.LoRA.self, from: Data(try XCTUnwrap(f.metadata["lora"]).utf8))
        model.apply(strategy, lora: lora, seed: 5)
        try f.withPrefix("param.").load(into: model.parameters(), strict: true)
        return model
    }

    func checkUserLLM(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let f = try fixture(name)
        let model = try userLLM(f)
        let batch = try Self.tokens(f), ev = try Self.events(f)
        assertClose(Autograd.noGrad { model.logits(batch, events: ev) }, try f.tensor("logits"), "\(name) logits")
        let trainable = model.parameters().filter { $0.1.requiresGrad }
        XCTAssertEqual(Set(trainable.map(\.0)), Set(f.withPrefix("grad.").names), "\(name): trainable parameters")
        model.zeroGrad()
        let loss = model.loss(batch, events: ev)
        assertClose(loss, try f.tensor("loss"), "\(name) loss")
        loss.backward()
        for (n, p) in trainable {
            guard let g = p.grad else { XCTFail("\(name) \(n): no gradient"); continue }
            assertClose(g, try f.tensor("grad." + n), "\(name) grad \(n)")
        }
        let optimizer = AdamW(parameters: trainable, config: try adamw(f))
        var losses: [Float] = []
        for _ in 0..<3 {
            optimizer.zeroGrad()
            let l = model.loss(batch, events: ev)
            losses.append(l.item)
            l.backward()
            optimizer.step()
        }
        assertClose(Tensor(shape: [3], values: losses), try f.tensor("losses"), "\(name) losses of 3 AdamW steps")
        for (n, p) in model.parameters() { assertClose(p, try f.tensor("step3." + n), "\(name) after 3 steps: \(n)") }
    }

    func testSoftPromptWithPaddingUnderLoRA() throws {
        try checkUserLLM("userllm_soft_lora")
        // The fixture exercises what it claims: padded prefixes and trained adapters.
        let f = try fixture("userllm_soft_lora")
        XCTAssertGreaterThan(Set(try Self.ints(f, "input.events.lengths")).count, 1)
        XCTAssertTrue(f.names.contains("grad.llm.blocks.0.attn.wq.lora_A"))
        XCTAssertFalse(f.names.contains("grad.llm.blocks.0.attn.wq.weight"))
    }

    func testCrossAttentionWithPerceiverAndProjection() throws {
        try checkUserLLM("userllm_xattn_perceiver")
        let f = try fixture("userllm_xattn_perceiver")
        XCTAssertTrue(f.names.contains("grad.perceiver.layers.1.attn.wq.weight"))
        XCTAssertTrue(f.names.contains("grad.projection.bias"))
    }

    func testEncoderFeatureEmbeddingsAndHeads() throws {
        let f = try fixture("encoder_heads")
        let config = try JSONDecoder().decode(EncoderConfig.self, from: Data(try XCTUnwrap(f.metadata["config"]).utf8))
        let vocab = try vocabularies(f)
        let encoder = UserEncoder(config: config, vocabularies: vocab, seed: 1)
        let heads = EncoderHeads(config: config, vocabularies: vocab, seed: 2)
        let params = encoder.parameters(prefix: "encoder") + heads.parameters(prefix: "heads")
        try f.withPrefix("param.").load(into: params, strict: true)
        let batch = try Self.events(f, targets: true)
        func loss() -> Tensor {
            EncoderLoss.nextEvent(heads(encoder(batch)), targets: batch.targets!, maxCategories: batch.maxCategories).total
        }
        for (_, p) in params { p.zeroGrad() }
        let l = loss()
        assertClose(l, try f.tensor("loss"), "encoder loss")
        l.backward()
        for (n, p) in params {
            guard let g = p.grad else { XCTFail("\(n): no gradient"); continue }
            assertClose(g, try f.tensor("grad." + n), "encoder grad \(n)")
        }
        let optimizer = AdamW(parameters: params, config: try adamw(f))
        var losses: [Float] = []
        for _ in 0..<3 {
            optimizer.zeroGrad()
            let l = loss()
            losses.append(l.item)
            l.backward()
            optimizer.step()
        }
        assertClose(Tensor(shape: [3], values: losses), try f.tensor("losses"), "encoder losses of 3 AdamW steps")
        for (n, p) in params { assertClose(p, try f.tensor("step3." + n), "encoder after 3 steps: \(n)") }
    }
}
