import XCTest
import NN
import Tensor

final class AttentionModuleTests: XCTestCase {
    func testSelfAttentionGradients() {
        var gen = SeededGenerator(seed: 1)
        for (causal, rope, lengths) in [(true, true, nil), (false, false, [3, 2] as [Int]?), (true, false, [4, 1])] {
            let mha = MultiHeadAttention(dModel: 4, heads: 2, bias: !rope, rotaryBase: rope ? 10000 : nil, generator: &gen)
            randomize(mha, seed: 2)
            let x = randomTensor([2, 4, 4], seed: 3)
            assertModuleGradients(mha, inputs: [x]) { mha(x, causal: causal, keyLengths: lengths) }
        }
    }

    func testCrossAttentionGradients() {
        var gen = SeededGenerator(seed: 4)
        let mha = MultiHeadAttention(dModel: 4, heads: 2, contextDim: 6, generator: &gen)
        randomize(mha, seed: 5)
        let x = randomTensor([2, 3, 4], seed: 6), context = randomTensor([2, 5, 6], seed: 7)
        assertModuleGradients(mha, inputs: [x, context]) { mha(x, context: context, keyLengths: [5, 2]) }
    }

    func testCrossAttentionIgnoresPaddedContextRows() {
        var gen = SeededGenerator(seed: 8)
        let mha = MultiHeadAttention(dModel: 4, heads: 2, generator: &gen)
        let x = randomTensor([1, 3, 4], seed: 9), context = randomTensor([1, 5, 4], seed: 10)
        let before = mha(x, context: context, keyLengths: [3])
        for i in 12..<20 { context.pointer[i] = 100 }  // rows 3 and 4
        XCTAssertEqual(maxAbsDifference(before, mha(x, context: context, keyLengths: [3])), 0)
    }

    func testKVCacheDecodingEqualsTheFullForward() {
        var gen = SeededGenerator(seed: 11)
        let mha = MultiHeadAttention(dModel: 8, heads: 2, rotaryBase: 10000, generator: &gen)
        randomize(mha, seed: 12)
        let x = randomTensor([2, 7, 8], seed: 13, requiresGrad: false)
        let full = Autograd.noGrad { mha(x, causal: true) }
        let cache = KVCache(batch: 2, heads: 2, headDim: 4, capacity: 16)
        // A 3-token prompt, then one token at a time.
        var pieces: [Tensor] = []
        Autograd.noGrad {
            pieces.append(mha(x.sliced(axis: 1, range: 0..<3), causal: true, cache: cache))
            for t in 3..<7 { pieces.append(mha(x.sliced(axis: 1, range: t..<(t + 1)), causal: true, cache: cache)) }
        }
        XCTAssertEqual(cache.length, 7)
        XCTAssertLessThan(maxAbsDifference(Tensor.concat(pieces, axis: 1), full), 1e-5)
    }

    func testKVCacheReorderMovesBatchRows() {
        let cache = KVCache(batch: 2, heads: 1, headDim: 2, capacity: 4)
        cache.append(keys: Tensor(shape: [2, 1, 1, 2], values: [1, 2, 3, 4]),
                     values: Tensor(shape: [2, 1, 1, 2], values: [5, 6, 7, 8]))
        cache.reorder([1, 1])
        XCTAssertEqual(Array(cache.keys.scalars[0..<2]), [3, 4])
        XCTAssertEqual(Array(cache.keys.scalars[8..<10]), [3, 4])
        XCTAssertEqual(Array(cache.values.scalars[0..<2]), [7, 8])
        cache.reset()
        XCTAssertEqual(cache.length, 0)
    }

    func testGatedCrossAttentionIsTheIdentityAtInitAndItsGateStillLearns() {
        var gen = SeededGenerator(seed: 14)
        let gated = GatedCrossAttention(dModel: 4, heads: 2, contextDim: 6, generator: &gen)
        XCTAssertEqual(gated.gate.scalars, [0])
        XCTAssertEqual(gated.parameters().map(\.0), [
            "norm.weight", "attn.wq.weight", "attn.wk.weight", "attn.wv.weight", "attn.wo.weight", "gate"])
        let h = randomTensor([2, 3, 4], seed: 15), u = randomTensor([2, 5, 6], seed: 16)
        let out = gated(h, context: gated.context(u, keyLengths: [5, 3]))
        XCTAssertEqual(maxAbsDifference(out, h), 0)
        out.backward(randomTensor([2, 3, 4], seed: 17, requiresGrad: false))
        XCTAssertNotEqual(gated.gate.grad!.item, 0, "d out / dα = attn(...) ≠ 0")
        XCTAssertEqual(gated.attn.wq.weight.grad?.scalars.allSatisfy { $0 == 0 } ?? true, true)
    }

    func testGatedCrossAttentionGradients() {
        var gen = SeededGenerator(seed: 18)
        let gated = GatedCrossAttention(dModel: 4, heads: 2, contextDim: 6, generator: &gen)
        randomize(gated, seed: 19)
        XCTAssertNotEqual(gated.gate.item, 0)
        let h = randomTensor([2, 3, 4], seed: 20), u = randomTensor([2, 5, 6], seed: 21)
        assertModuleGradients(gated, inputs: [h, u]) { gated(h, context: gated.context(u, keyLengths: [5, 3])) }
        XCTAssertEqual(gated.gateValue, tanh(gated.gate.item), accuracy: 1e-7)
    }

    func testPerceiverOutputsLatentsAndIgnoresPadding() {
        var gen = SeededGenerator(seed: 22)
        let perceiver = PerceiverResampler(dim: 8, latents: 3, layers: 2, heads: 2, generator: &gen)
        let x = randomTensor([2, 5, 8], seed: 23, requiresGrad: false)
        let out = perceiver(x, inputLengths: [5, 2])
        XCTAssertEqual(out.shape, [2, 3, 8])
        for i in (5 * 8 + 2 * 8)..<(10 * 8) { x.pointer[i] = 50 }  // batch 1, rows 2…4
        XCTAssertEqual(maxAbsDifference(out, perceiver(x, inputLengths: [5, 2])), 0)
        XCTAssertEqual(Array(perceiver.parameters().map(\.0).prefix(4)),
                       ["latents", "layers.0.norm_inputs.weight", "layers.0.norm_inputs.bias", "layers.0.norm_latents.weight"])
    }

    func testPerceiverGradients() {
        var gen = SeededGenerator(seed: 24)
        let perceiver = PerceiverResampler(dim: 4, latents: 2, layers: 2, heads: 2, ffHidden: 8, generator: &gen)
        randomize(perceiver, seed: 25)
        let x = randomTensor([2, 3, 4], seed: 26)
        assertModuleGradients(perceiver, inputs: [x]) { perceiver(x, inputLengths: [3, 1]) }
    }

    func testTransformerBlockGradients() {
        var gen = SeededGenerator(seed: 27)
        let encoder = TransformerBlock(config: TransformerBlockConfig(style: .encoder, dModel: 4, heads: 2, mlpHidden: 8, bias: true),
                                       layerCount: 2, generator: &gen)
        randomize(encoder, seed: 28)
        let x = randomTensor([2, 3, 4], seed: 29)
        assertModuleGradients(encoder, inputs: [x]) { encoder(x, causal: true, keyLengths: [3, 2]) }

        let llama = TransformerBlock(config: TransformerBlockConfig(style: .llama, dModel: 4, heads: 2, mlpHidden: 6,
                                                                    crossAttention: true, contextDim: 5),
                                     layerCount: 2, generator: &gen)
        randomize(llama, seed: 30)
        let u = randomTensor([2, 4, 5], seed: 31)
        assertModuleGradients(llama, inputs: [x, u]) {
            llama(x, causal: true, context: llama.xattn!.context(u, keyLengths: [4, 2]))
        }
    }

    func testBlockNamesAndResidualInit() {
        var gen = SeededGenerator(seed: 32)
        let block = TransformerBlock(config: TransformerBlockConfig(style: .llama, dModel: 64, heads: 2, mlpHidden: 96,
                                                                    crossAttention: true),
                                     layerCount: 8, generator: &gen)
        XCTAssertEqual(block.parameters().map(\.0), [
            "attn_norm.weight", "attn.wq.weight", "attn.wk.weight", "attn.wv.weight", "attn.wo.weight",
            "xattn.norm.weight", "xattn.attn.wq.weight", "xattn.attn.wk.weight", "xattn.attn.wv.weight",
            "xattn.attn.wo.weight", "xattn.gate", "mlp_norm.weight", "mlp.w1.weight", "mlp.w2.weight", "mlp.w3.weight"])
        func std(_ t: Tensor) -> Double {
            (t.scalars.map { Double($0) * Double($0) }.reduce(0, +) / Double(t.count)).squareRoot()
        }
        XCTAssertEqual(std(block.attn.wq.weight), 0.02, accuracy: 0.002)
        XCTAssertEqual(std(block.attn.wo.weight), 0.02 / 4, accuracy: 0.0005, "0.02/√(2·8)")
    }
}
