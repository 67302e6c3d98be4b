import XCTest
import NN
import Tensor

final class LayerTests: XCTestCase {
    func testLinearComputesXWtPlusBAndNamesItsParameters() {
        var gen = SeededGenerator(seed: 1)
        let linear = Linear(3, 2, generator: &gen)
        linear.weight.assign(Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6]))
        linear.bias!.assign(Tensor(shape: [2], values: [0.5, -1]))
        let y = linear(Tensor(shape: [1, 3], values: [1, 0, -1]))
        XCTAssertEqual(y.scalars, [1 - 3 + 0.5, 4 - 6 - 1])
        XCTAssertEqual(linear.parameters().map(\.0), ["weight", "bias"])
        XCTAssertEqual(linear.weight.shape, [2, 3], "(out, in) like PyTorch")
    }

    func testLinearInitIsSeededNormalWithZeroBias() {
        var g1 = SeededGenerator(seed: 5), g2 = SeededGenerator(seed: 5)
        let a = Linear(64, 64, generator: &g1), b = Linear(64, 64, generator: &g2)
        XCTAssertEqual(a.weight.scalars, b.weight.scalars)
        let w = a.weight.scalars.map(Double.init)
        let std = (w.map { $0 * $0 }.reduce(0, +) / Double(w.count)).squareRoot()
        XCTAssertEqual(std, 0.02, accuracy: 0.002)
        XCTAssertEqual(a.bias!.scalars, [Float](repeating: 0, count: 64))
    }

    func testLinearGradients() {
        var gen = SeededGenerator(seed: 2)
        for bias in [true, false] {
            let linear = Linear(4, 3, bias: bias, generator: &gen)
            randomize(linear, seed: 3)
            let x = randomTensor([2, 5, 4], seed: 4)
            assertModuleGradients(linear, inputs: [x]) { linear(x) }
        }
    }

    func testNormGradients() {
        let x = randomTensor([3, 6], seed: 5)
        let ln = LayerNorm(6)
        randomize(ln, seed: 6)
        assertModuleGradients(ln, inputs: [x]) { ln(x) }
        let rms = RMSNorm(6)
        randomize(rms, seed: 7)
        assertModuleGradients(rms, inputs: [x]) { rms(x) }
    }

    func testRMSNormValues() {
        let rms = RMSNorm(2, eps: 0)
        rms.weight.assign(Tensor(shape: [2], values: [1, 2]))
        let y = rms(Tensor(shape: [1, 2], values: [3, 4]))
        let r = Float((12.5 as Double).squareRoot())
        XCTAssertEqual(y.scalars[0], 3 / r, accuracy: 1e-6)
        XCTAssertEqual(y.scalars[1], 8 / r, accuracy: 1e-6)
    }

    func testMLPGradients() {
        var gen = SeededGenerator(seed: 8)
        let x = randomTensor([2, 3, 4], seed: 9)
        let gelu = GELUMLP(dim: 4, hidden: 8, bias: true, generator: &gen)
        randomize(gelu, seed: 10)
        assertModuleGradients(gelu, inputs: [x]) { gelu(x) }
        XCTAssertEqual(gelu.parameters().map(\.0), ["fc.weight", "fc.bias", "proj.weight", "proj.bias"])
        let swiglu = SwiGLUMLP(dim: 4, hidden: 6, generator: &gen)
        randomize(swiglu, seed: 11)
        assertModuleGradients(swiglu, inputs: [x]) { swiglu(x) }
        XCTAssertEqual(swiglu.parameters().map(\.0), ["w1.weight", "w2.weight", "w3.weight"])
    }

    func testSwiGLUValues() {
        var gen = SeededGenerator(seed: 12)
        let mlp = SwiGLUMLP(dim: 1, hidden: 1, generator: &gen)
        mlp.w1.weight.assign(Tensor(shape: [1, 1], values: [2]))
        mlp.w3.weight.assign(Tensor(shape: [1, 1], values: [3]))
        mlp.w2.weight.assign(Tensor(shape: [1, 1], values: [0.5]))
        let x: Float = 0.7
        let a = 2 * x, silu = a / (1 + exp(-a))
        XCTAssertEqual(mlp(Tensor(shape: [1, 1], values: [x])).item, 0.5 * silu * 3 * x, accuracy: 1e-6)
    }

    func testEmbeddingGathersRowsAndScattersGradients() {
        var gen = SeededGenerator(seed: 13)
        let emb = Embedding(5, 3, generator: &gen)
        let y = emb([4, 1, 4], shape: [1, 3])
        XCTAssertEqual(y.shape, [1, 3, 3])
        XCTAssertEqual(Array(y.scalars[0..<3]), Array(emb.weight.scalars[12..<15]))
        y.backward(Tensor.ones(y.shape))
        XCTAssertEqual(Array(emb.weight.grad!.scalars[12..<15]), [2, 2, 2])
        XCTAssertEqual(Array(emb.weight.grad!.scalars[0..<3]), [0, 0, 0])
    }

    func testLoRAStartsAsTheBaseLayerTrainsOnlyTheAdapterAndMerges() {
        var gen = SeededGenerator(seed: 14)
        let base = Linear(5, 4, generator: &gen)
        randomize(base, seed: 15)
        let x = randomTensor([3, 5], seed: 16, requiresGrad: false)
        let before = base(x)
        let lora = LoRALinear(wrapping: base, rank: 2, alpha: 4, generator: &gen)
        XCTAssertEqual(maxAbsDifference(lora(x), before), 0, "B = 0: the adapter adds nothing at first")
        XCTAssertEqual(lora.parameters().map(\.0), ["weight", "bias", "lora_A", "lora_B"])
        XCTAssertFalse(lora.weight.requiresGrad)
        XCTAssertEqual(lora.trainableParameterCount, 2 * 5 + 4 * 2)

        // Gradients reach A and B (B made non-zero so A's gradient is not zero), not W.
        var g = SeededGenerator(seed: 17)
        for i in 0..<lora.loraB.count { lora.loraB.pointer[i] = g.nextNormal() }
        let xg = randomTensor([3, 5], seed: 18)
        assertModuleGradients(lora, inputs: [xg]) { lora(xg) }
        XCTAssertNil(lora.weight.grad)

        let merged = lora.merged()
        let viaAdapter = lora(x), viaMerged = merged(x)
        XCTAssertLessThan(maxAbsDifference(viaAdapter, viaMerged), 1e-5)
        XCTAssertGreaterThan(maxAbsDifference(viaAdapter, before), 1e-3, "the update is not trivial")
    }
}
