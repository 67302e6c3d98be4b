import XCTest
import NN
import Tensor
import UserLLM

final class LanguageModelTests: XCTestCase {
    /// A model small enough for a finite-difference check of every parameter.
    private let micro = LanguageModelConfig(vocabSize: 11, dModel: 8, layers: 2, heads: 2, mlpHidden: 12,
                                            contextLength: 32, crossAttention: true)

    private func randomTensor(_ shape: [Int], seed: UInt64, std: Float = 1, requiresGrad: Bool = false) -> Tensor {
        var gen = SeededGenerator(seed: seed)
        return Tensor.randn(shape, std: std, generator: &gen, requiresGrad: requiresGrad)
    }

    private func randomTokens(_ count: Int, vocab: Int, seed: UInt64) -> [Int32] {
        var gen = SeededGenerator(seed: seed)
        return (0..<count).map { _ in Int32(gen.next() % UInt64(vocab)) }
    }

    private func maxAbsDifference(_ a: Tensor, _ b: Tensor) -> Float {
        XCTAssertEqual(a.shape, b.shape)
        return zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? 0
    }

    func testParameterNamesAreThePyTorchStateDictNames() {
        let model = LanguageModel(config: .tiny.withCrossAttention(), seed: 1)
        let names = model.parameters().map(\.0)
        XCTAssertEqual(names.first, "tok_emb.weight")
        XCTAssertEqual(names.last, "norm.weight")
        for expected in ["blocks.0.attn_norm.weight", "blocks.0.attn.wq.weight", "blocks.1.attn.wo.weight",
                         "blocks.0.xattn.norm.weight", "blocks.0.xattn.attn.wk.weight", "blocks.1.xattn.gate",
                         "blocks.1.mlp_norm.weight", "blocks.1.mlp.w1.weight", "blocks.1.mlp.w2.weight"] {
            XCTAssert(names.contains(expected), expected)
        }
        XCTAssertEqual(Set(names).count, names.count, "tied head listed once")
        XCTAssertEqual(model.namedParameters()["blocks.1.mlp.w2.weight"]?.shape, [64, 192])
        // tiny: 512·64 + 2·(4·64² + 3·64·192 + 2·64) + 64, plus the cross-attention layers.
        let plain = 512 * 64 + 2 * (4 * 64 * 64 + 3 * 64 * 192 + 2 * 64) + 64
        XCTAssertEqual(LanguageModel(config: .tiny, seed: 1).parameterCount, plain)
        XCTAssertEqual(model.parameterCount, plain + 2 * (4 * 64 * 64 + 64 + 1))
        XCTAssertEqual(LanguageModelConfig.small.mlpHidden, 768)
    }

    func testGradientsOfEveryParameterWithPrefixAndCrossAttention() {
        let model = LanguageModel(config: micro, seed: 2)
        var gen = SeededGenerator(seed: 3)
        for (_, p) in model.parameters() { for i in 0..<p.count { p.pointer[i] = gen.nextNormal() * 0.5 } }
        let prefix = randomTensor([2, 2, 8], seed: 4, requiresGrad: true)
        let user = randomTensor([2, 3, 8], seed: 5, requiresGrad: true)
        let tokens = randomTokens(6, vocab: 11, seed: 6)
        let params = model.parameters()
        let bad = GradientCheck.mismatches([prefix, user] + params.map(\.1)) { _ in
            model(tokens: tokens, batch: 2, prefix: prefix, user: user, userLengths: [3, 2])
        }
        XCTAssert(bad.isEmpty, "\(bad.count) mismatches: \(bad.prefix(4).map { m in m.input < 2 ? "\(m)" : "\(params[m.input - 2].0) \(m)" })")
        XCTAssertNotEqual(model.blocks[0].xattn!.attn.wq.weight.grad?.scalars.contains { $0 != 0 }, false)
    }

    func testForwardShapesAndTiedHead() {
        let model = LanguageModel(config: .tiny, seed: 7)
        let tokens = randomTokens(2 * 5, vocab: 512, seed: 8)
        let logits = model(tokens: tokens, batch: 2)
        XCTAssertEqual(logits.shape, [2, 5, 512])
        let hidden = model.hiddenStates(tokens: tokens, batch: 2)
        let manual = Tensor.matmul(hidden, model.tokenEmbedding.weight, transposeB: true)
        XCTAssertEqual(maxAbsDifference(logits, manual), 0)
        let withPrefix = model(tokens: tokens, batch: 2, prefix: randomTensor([2, 3, 64], seed: 9))
        XCTAssertEqual(withPrefix.shape, [2, 5, 512])
    }

    func testIncrementalDecodingEqualsTheFullForward() {
        var config = micro
        config.dModel = 16
        config.heads = 4
        let model = LanguageModel(config: config, seed: 10)
        var gen = SeededGenerator(seed: 11)
        for block in model.blocks { block.xattn!.gate.pointer[0] = gen.nextNormal() }  // let the user matter
        let prefix = randomTensor([2, 2, 16], seed: 12), user = randomTensor([2, 4, 16], seed: 13)
        let tokens = randomTokens(2 * 6, vocab: 11, seed: 14)
        let full = Autograd.noGrad {
            model(tokens: tokens, batch: 2, prefix: prefix, prefixLengths: [2, 1], user: user, userLengths: [4, 3])
        }
        // The padded prefix row (batch 1, row 1) is never attended.
        for i in (3 * 16)..<(4 * 16) { prefix.pointer[i] = 40 }
        let repadded = Autograd.noGrad {
            model(tokens: tokens, batch: 2, prefix: prefix, prefixLengths: [2, 1], user: user, userLengths: [4, 3])
        }
        XCTAssertEqual(maxAbsDifference(full, repadded), 0)

        let state = model.makeDecodeState(batch: 2, capacity: 12, user: user, userLengths: [4, 3])
        func columns(_ range: Range<Int>) -> [Int32] { (0..<2).flatMap { b in range.map { tokens[b * 6 + $0] } } }
        var pieces = [model.decode(tokens: columns(0..<3), prefix: prefix, prefixLengths: [2, 1], state: state)]
        for t in 3..<6 { pieces.append(model.decode(tokens: columns(t..<(t + 1)), state: state)) }
        XCTAssertEqual(state.length, 2 + 6)
        XCTAssertLessThan(maxAbsDifference(Tensor.concat(pieces, axis: 1), full), 1e-5)
    }

    func testDecodeStateReorderFollowsTheChosenRows() {
        let model = LanguageModel(config: micro, seed: 25)
        for block in model.blocks { block.xattn!.gate.pointer[0] = 0.8 }  // let the user matter
        let userA = randomTensor([1, 3, 8], seed: 26), userB = randomTensor([1, 3, 8], seed: 27)
        let both = Tensor.concat([userA, userB], axis: 0)  // two users, different histories
        let state = model.makeDecodeState(batch: 2, capacity: 8, user: both, userLengths: [3, 2])
        _ = model.decode(tokens: [1, 2, 3, 4, 5, 6], state: state)
        state.reorder([1, 1])
        let next = model.decode(tokens: [7, 7], state: state)
        let reference = model.makeDecodeState(batch: 1, capacity: 8, user: userB, userLengths: [2])
        _ = model.decode(tokens: [4, 5, 6], state: reference)
        let expected = model.decode(tokens: [7], state: reference)
        XCTAssertLessThan(maxAbsDifference(next.sliced(axis: 0, range: 0..<1), expected), 1e-5)
        XCTAssertLessThan(maxAbsDifference(next.sliced(axis: 0, range: 1..<2), expected), 1e-5)
    }

    func testCrossAttentionAtZeroGatesLeavesThePretrainedModelUnchanged() throws {
        let plain = LanguageModel(config: .tiny, seed: 15)
        let fused = LanguageModel(config: .tiny.withCrossAttention(), seed: 16)
        let loaded = try fused.loadParameters(plain.namedParameters(), strict: false)
        XCTAssertEqual(loaded.count, plain.parameters().count)
        let tokens = randomTokens(2 * 4, vocab: 512, seed: 17)
        let user = randomTensor([2, 5, 64], seed: 18)
        let a = Autograd.noGrad { plain(tokens: tokens, batch: 2) }
        let b = Autograd.noGrad { fused(tokens: tokens, batch: 2, user: user, userLengths: [5, 1]) }
        XCTAssertEqual(maxAbsDifference(a, b), 0)
        XCTAssertEqual(fused.gateValues, [0, 0])
    }

    func testLoRAStrategyTrainsOnlyAdaptersAndLossFalls() {
        let model = LanguageModel(config: .tiny, seed: 19)
        model.freeze()
        var gen = SeededGenerator(seed: 20)
        model.addLoRA(rank: 4, alpha: 8, generator: &gen)
        XCTAssertEqual(model.trainableParameterCount, 2 * 2 * (4 * 64 + 64 * 4))
        XCTAssert(model.parameters().map(\.0).contains("blocks.0.attn.wq.lora_A"))
        let frozen = model.tokenEmbedding.weight.copy()
        let losses = trainNextToken(model, on: randomTokens(2 * 9, vocab: 512, seed: 21), steps: 20)
        XCTAssertLessThan(losses.last!, losses.first! - 0.1, "\(losses)")
        XCTAssertEqual(model.tokenEmbedding.weight.scalars, frozen.scalars)
    }

    /// LoRA on the SwiGLU MLP as well as the attention: a fresh adapter changes no logit,
    /// only adapters train, and decoding (adapters merged into their weights) follows the
    /// trained forward pass.
    func testLoRAOnTheMLPStartsAsThePlainModelAndDecodesMerged() {
        let model = LanguageModel(config: .tiny, seed: 25)
        let tokens = randomTokens(2 * 9, vocab: 512, seed: 26)
        let plain = Autograd.noGrad { model(tokens: tokens, batch: 2) }
        model.freeze()
        var gen = SeededGenerator(seed: 27)
        model.addLoRA(rank: 4, alpha: 8, targets: ["wq", "wv", "w1", "w2", "w3"], generator: &gen)
        let attention = 2 * (4 * 64 + 64 * 4)
        let mlp = 2 * (4 * 64 + 192 * 4) + (4 * 192 + 64 * 4)  // w1, w3: (64 → 192); w2: (192 → 64)
        XCTAssertEqual(model.trainableParameterCount, 2 * (attention + mlp))
        XCTAssertEqual(maxAbsDifference(Autograd.noGrad { model(tokens: tokens, batch: 2) }, plain), 0)
        let frozen = model.blocks[0].mlp.parameters().filter { !$0.0.contains("lora") }.map { ($0.0, $0.1.copy()) }
        let losses = trainNextToken(model, on: tokens, steps: 10)
        XCTAssertLessThan(losses.last!, losses.first! - 0.1, "\(losses)")
        let now = Dictionary(uniqueKeysWithValues: model.blocks[0].mlp.parameters())
        for (name, old) in frozen { XCTAssertEqual(now[name]?.scalars, old.scalars, "frozen \(name) moved") }
        XCTAssertNotEqual(now["w2.lora_B"]?.scalars.contains { $0 != 0 }, false, "the MLP's adapter did not train")
        let first = Array(tokens[0..<8])
        let forward = Autograd.noGrad { model(tokens: first, batch: 1) }  // (1, 8, V)
        let decoder = IncrementalDecoder(model: model)
        decoder.start(capacity: 8)
        let decoded = decoder.prefill(tokens: first).scalars
        let last = Array(forward.scalars[(7 * 512)..<(8 * 512)])
        let worst = zip(decoded, last).map { abs($0 - $1) }.max() ?? .nan
        XCTAssertLessThan(worst, 1e-4, "decoding with merged MLP adapters differs from the forward pass")
    }

    /// AdamW (lr 1e-2) on next-token prediction over two sequences of 9 tokens (2 × 8
    /// predictions); the loss at each step.
    private func trainNextToken(_ model: LanguageModel, on tokens: [Int32], steps: Int) -> [Float] {
        let opt = AdamW(parameters: model.parameters(), config: AdamWConfig(learningRate: 1e-2, weightDecay: 0))
        let inputs = (0..<2).flatMap { b in tokens[(b * 9)..<(b * 9 + 8)] }
        let targets = (0..<2).flatMap { b in tokens[(b * 9 + 1)..<(b * 9 + 9)] }
        return (0..<steps).map { _ in
            opt.zeroGrad()
            let loss = Tensor.crossEntropy(logits: model(tokens: inputs, batch: 2).reshaped([16, 512]), targets: targets)
            loss.backward()
            opt.step()
            return loss.item
        }
    }

    func testKeptAttentionWeightsForHeatmaps() {
        let model = LanguageModel(config: .tiny.withCrossAttention(), seed: 22)
        model.keepsAttentionWeights = true
        _ = Autograd.noGrad {
            model(tokens: randomTokens(3, vocab: 512, seed: 23), batch: 1, user: randomTensor([1, 5, 64], seed: 24))
        }
        XCTAssertEqual(model.blocks[1].xattn!.attn.lastWeights?.shape, [1, 2, 3, 5])
        XCTAssertEqual(model.blocks[0].attn.lastWeights?.shape, [1, 2, 3, 3])
    }
}
