import XCTest
import NN
import Tensor

final class OptimizerTests: XCTestCase {
    func testAdamWMatchesAHandComputedStep() {
        // One decayed matrix and one non-decayed vector, two steps with known gradients.
        let w = Tensor(shape: [1, 2], values: [1.0, -2.0], requiresGrad: true)
        let b = Tensor(shape: [1], values: [0.5], requiresGrad: true)
        let config = AdamWConfig(learningRate: 0.1, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.5)
        let opt = AdamW(parameters: [("w", w), ("b", b)], config: config)
        XCTAssertEqual(opt.decays, [true, false])

        var expectW: [Double] = [1.0, -2.0], expectB: [Double] = [0.5]
        var mW = [0.0, 0.0], vW = [0.0, 0.0], mB = [0.0], vB = [0.0]
        let gradients: [([Double], [Double])] = [([0.3, -0.4], [1.0]), ([-0.1, 0.2], [0.5])]
        for (t, (gw, gb)) in gradients.enumerated() {
            w.grad = Tensor(shape: [1, 2], values: gw.map(Float.init))
            b.grad = Tensor(shape: [1], values: gb.map(Float.init))
            opt.step()
            let step = Double(t + 1)
            func update(_ p: inout [Double], _ m: inout [Double], _ v: inout [Double], _ g: [Double], decay: Bool) {
                for i in p.indices {
                    if decay { p[i] *= 1 - 0.1 * 0.5 }
                    m[i] = 0.9 * m[i] + 0.1 * g[i]
                    v[i] = 0.99 * v[i] + 0.01 * g[i] * g[i]
                    let mHat = m[i] / (1 - pow(0.9, step)), vHat = v[i] / (1 - pow(0.99, step))
                    p[i] -= 0.1 * mHat / (vHat.squareRoot() + 1e-8)
                }
            }
            update(&expectW, &mW, &vW, gw, decay: true)
            update(&expectB, &mB, &vB, gb, decay: false)
            for i in 0..<2 { XCTAssertEqual(Double(w.scalars[i]), expectW[i], accuracy: 1e-6) }
            XCTAssertEqual(Double(b.item), expectB[0], accuracy: 1e-6)
        }
        let state = opt.state()
        XCTAssertEqual(state["w.step"]?.item, 2)
        XCTAssertEqual(Double(state["b.exp_avg"]!.item), mB[0], accuracy: 1e-7)
    }

    func testFrozenAndGradientlessParametersDoNotMove() {
        var gen = SeededGenerator(seed: 1)
        let model = TransformerBlock(config: TransformerBlockConfig(style: .llama, dModel: 8, heads: 2, mlpHidden: 12),
                                     layerCount: 1, generator: &gen)
        model.attn.freeze()
        let frozenBefore = model.attn.parameters().map { $0.1.copy() }
        let trainedBefore = model.mlp.parameters().map { $0.1.copy() }
        let opt = AdamW(parameters: model.parameters())
        for step in 0..<3 {
            model.zeroGrad()
            let x = randomTensor([2, 3, 8], seed: UInt64(10 + step), requiresGrad: false)
            model(x, causal: true).squared().mean().backward()
            opt.step()
        }
        for ((_, p), before) in zip(model.attn.parameters(), frozenBefore) {
            XCTAssertNil(p.grad)
            XCTAssertEqual(p.scalars, before.scalars)
        }
        XCTAssertTrue(zip(model.mlp.parameters(), trainedBefore).contains { $0.0.1.scalars != $0.1.scalars })
        XCTAssertNil(opt.state()["attn.wq.weight.step"])
        XCTAssertEqual(opt.state()["mlp.w1.weight.step"]?.item, 3)
    }

    func testAdamWStateRoundTrips() throws {
        let p = Tensor(shape: [2, 2], values: [1, 2, 3, 4], requiresGrad: true)
        let opt = AdamW(parameters: [("p", p)])
        p.grad = Tensor(shape: [2, 2], values: [0.1, 0.2, 0.3, 0.4])
        opt.step()
        let q = Tensor(shape: [2, 2], values: p.scalars, requiresGrad: true)
        let resumed = AdamW(parameters: [("p", q)])
        try resumed.loadState(opt.state())
        p.grad = Tensor(shape: [2, 2], values: [-0.1, 0.5, 0.0, 1.0])
        q.grad = p.grad!.copy()
        opt.step()
        resumed.step()
        XCTAssertEqual(p.scalars, q.scalars)
        var bad = opt.state()
        bad["p.exp_avg"] = Tensor.zeros([3])
        XCTAssertThrowsError(try resumed.loadState(bad))
    }

    func testClipGradNormScalesToTheGlobalNorm() {
        let a = Tensor(shape: [2], values: [0, 0], requiresGrad: true)
        let b = Tensor(shape: [1], values: [0], requiresGrad: true)
        let c = Tensor(shape: [1], values: [0], requiresGrad: true)  // no gradient: ignored
        a.grad = Tensor(shape: [2], values: [3, 0])
        b.grad = Tensor(shape: [1], values: [4])
        let norm = clipGradNorm([("a", a), ("b", b), ("c", c)], maxNorm: 1)
        XCTAssertEqual(norm, 5, accuracy: 1e-6)
        XCTAssertEqual(a.grad!.scalars[0], 3 / (5 + 1e-6), accuracy: 1e-6)
        XCTAssertEqual(b.grad!.scalars[0], 4 / (5 + 1e-6), accuracy: 1e-6)
        // Below the limit nothing changes.
        XCTAssertEqual(clipGradNorm([("a", a), ("b", b)], maxNorm: 10), 1, accuracy: 1e-5)
        XCTAssertEqual(b.grad!.scalars[0], 4 / (5 + 1e-6), accuracy: 1e-6)
    }

    func testCosineScheduleValues() {
        let s = CosineSchedule(peak: 1.0, floor: 0.1, warmupSteps: 4, totalSteps: 14)
        XCTAssertEqual(s.learningRate(at: 0), 0.25, accuracy: 1e-7)
        XCTAssertEqual(s.learningRate(at: 3), 1.0, accuracy: 1e-7)
        XCTAssertEqual(s.learningRate(at: 4), 1.0, accuracy: 1e-7)
        XCTAssertEqual(s.learningRate(at: 9), 0.55, accuracy: 1e-6, "half way: floor + (peak − floor)/2")
        XCTAssertEqual(s.learningRate(at: 14), 0.1, accuracy: 1e-7)
        XCTAssertEqual(s.learningRate(at: 100), 0.1, accuracy: 1e-7)
        let q = 0.1 + 0.5 * (1 + cos(Double.pi * 0.3)) * 0.9
        XCTAssertEqual(Double(s.learningRate(at: 7)), q, accuracy: 1e-6)
        XCTAssertEqual(CosineSchedule(peak: 3e-4, warmupSteps: 0, totalSteps: 10).floor, 3e-5, accuracy: 1e-10)
    }
}
