import XCTest
import Tensor

final class IndexOpsTests: XCTestCase {
    func testEmbeddingGathersRowsAndScatterAddsGradient() {
        let table = Tensor(shape: [4, 2], values: [0, 1, 10, 11, 20, 21, 30, 31], requiresGrad: true)
        let e = Tensor.embedding(table, ids: [3, 0, 3, 2], shape: [2, 2])
        XCTAssertEqual(e.shape, [2, 2, 2])
        XCTAssertEqual(e.scalars, [30, 31, 0, 1, 30, 31, 20, 21])
        e.backward(Tensor(shape: [2, 2, 2], values: [1, 2, 3, 4, 5, 6, 7, 8]))
        // Row 3 appears twice: its gradient is the sum of both.
        XCTAssertEqual(table.grad?.scalars, [3, 4, 0, 0, 7, 8, 6, 8])
        let t = randomTensor([5, 3], seed: 60)
        assertGradientsMatch([t]) { Tensor.embedding($0[0], ids: [1, 4, 1, 0, 1, 2], shape: [3, 2]) }
    }

    func testMaskedFillTrailingAndFullMasks() {
        let x = Tensor(shape: [2, 2, 2], values: [1, 2, 3, 4, 5, 6, 7, 8])
        let causal = [false, true, false, false]  // (T, T), repeated over the batch
        XCTAssertEqual(x.maskedFill(causal, value: -1).scalars, [1, -1, 3, 4, 5, -1, 7, 8])
        let full = [true, false, false, false, false, false, false, true]
        XCTAssertEqual(x.maskedFill(full, value: 0).scalars, [0, 2, 3, 4, 5, 6, 7, 0])
        XCTAssertEqual(x.maskedFill([true, false], value: 9).scalars, [9, 2, 9, 4, 9, 6, 9, 8])
    }

    func testMaskedFillGradients() {
        let x = randomTensor([2, 3, 3], seed: 61)
        let causal = (0..<9).map { $0 % 3 > $0 / 3 }  // key > query is masked
        assertGradientsMatch([x]) { $0[0].maskedFill(causal, value: 0.5) }
        // Masked softmax, as attention uses it: masked positions get no gradient.
        assertGradientsMatch([x]) { $0[0].maskedFill(causal, value: -.infinity).softmax() }
        x.zeroGrad()
        x.maskedFill(causal, value: -.infinity).softmax().backward(Tensor.ones([2, 3, 3]).scaled(0.3) + x.detached())
        for i in 0..<18 where causal[i % 9] { XCTAssertEqual(x.grad!.pointer[i], 0) }
    }

    func testDropoutIsSeededScaledAndDifferentiable() {
        let x = Tensor.ones([1000])
        var gen = SeededGenerator(seed: 1)
        XCTAssertTrue(x.dropout(p: 0, generator: &gen) === x)
        let y = x.dropout(p: 0.25, generator: &gen)
        let kept = y.scalars.filter { $0 != 0 }
        XCTAssertTrue(kept.allSatisfy { abs($0 - 1 / 0.75) < 1e-6 })
        XCTAssertEqual(Double(kept.count), 750, accuracy: 60)
        var a = SeededGenerator(seed: 5), b = SeededGenerator(seed: 5)
        XCTAssertEqual(x.dropout(p: 0.5, generator: &a).scalars, x.dropout(p: 0.5, generator: &b).scalars)
        XCTAssertEqual(x.dropout(p: 1, generator: &a).sum().item, 0)
        let z = randomTensor([4, 5], seed: 62)
        assertGradientsMatch([z]) { t in
            var g = SeededGenerator(seed: 9)  // the same mask on every evaluation
            return t[0].dropout(p: 0.4, generator: &g)
        }
    }
}
