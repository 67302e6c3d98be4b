import XCTest
import Tensor

final class LossTests: XCTestCase {
    let logits3 = Tensor(shape: [2, 3], values: [1, 2, 3, 1, 1, 1])

    func testCrossEntropyValuesAndIgnoreIndex() {
        XCTAssertEqual(Tensor.crossEntropy(logits: logits3, targets: [2, 0]).item, (0.40760596 + 1.09861229) / 2, accuracy: 1e-6)
        XCTAssertEqual(Tensor.crossEntropy(logits: logits3, targets: [2, -100]).item, 0.40760596, accuracy: 1e-6)
        XCTAssertEqual(Tensor.crossEntropy(logits: logits3, targets: [1, 0], ignoreIndex: 0).item, 1.40760596, accuracy: 1e-6)
        // Stable for huge logits.
        let big = Tensor(shape: [1, 2], values: [1000, 1001])
        XCTAssertEqual(Tensor.crossEntropy(logits: big, targets: [0]).item, 1.31326169, accuracy: 1e-5)
        // Everything ignored: 0, and no gradient.
        let l = Tensor(shape: [2, 3], values: logits3.scalars, requiresGrad: true)
        let loss = Tensor.crossEntropy(logits: l, targets: [-100, -100])
        XCTAssertEqual(loss.item, 0)
        loss.backward()
        XCTAssertNil(l.grad)
    }

    func testCrossEntropyMatchesLogSoftmaxComposition() {
        let x = randomTensor([6, 37], seed: 70, requiresGrad: false)
        let targets: [Int32] = [3, -100, 36, 0, 17, -100]
        let ls = x.logSoftmax()
        var expected: Float = 0
        for (i, t) in targets.enumerated() where t >= 0 { expected -= ls.pointer[i * 37 + Int(t)] }
        XCTAssertEqual(Tensor.crossEntropy(logits: x, targets: targets).item, expected / 4, accuracy: 1e-5)
    }

    func testCrossEntropyGradients() {
        let x = randomTensor([5, 11], seed: 71)
        assertGradientsMatch([x]) { Tensor.crossEntropy(logits: $0[0], targets: [3, 10, 0, 7, 7]) }
        assertGradientsMatch([x]) { Tensor.crossEntropy(logits: $0[0], targets: [3, -100, 0, -100, 7]) }
        assertGradientsMatch([x]) { Tensor.crossEntropy(logits: $0[0], targets: [3, 5, 2, 5, 5], ignoreIndex: 5) }
        // Scaled and combined with other terms: the incoming gradient is honoured.
        assertGradientsMatch([x]) { Tensor.crossEntropy(logits: $0[0], targets: [1, 2, 3, 4, 5]).scaled(3) + $0[0].sum() }
    }

    func testSoftTargetCrossEntropy() {
        let p = Tensor(shape: [2, 3], values: [0.5, 0.5, 0, 0, 0, 0])  // second row: no targets, ignored
        XCTAssertEqual(Tensor.crossEntropy(logits: logits3, softTargets: p).item, 1.90760596, accuracy: 1e-6)
        // A one-hot soft target equals the integer-target loss.
        let oneHot = Tensor(shape: [2, 3], values: [0, 0, 1, 1, 0, 0])
        XCTAssertEqual(Tensor.crossEntropy(logits: logits3, softTargets: oneHot).item,
                       Tensor.crossEntropy(logits: logits3, targets: [2, 0]).item, accuracy: 1e-6)
        // Unnormalised rows weigh by their mass (multi-valued features with k labels of 1/k
        // are normalised by the caller).
        let x = randomTensor([6, 9], seed: 72)
        var gen = SeededGenerator(seed: 73)
        let targets = Tensor.uniform([6, 9], generator: &gen)
        for j in 0..<9 { targets.pointer[2 * 9 + j] = 0; targets.pointer[5 * 9 + j] = 0 }  // two zero rows
        assertGradientsMatch([x]) { Tensor.crossEntropy(logits: $0[0], softTargets: targets) }
        let all0 = Tensor.zeros([6, 9])
        XCTAssertEqual(Tensor.crossEntropy(logits: x, softTargets: all0).item, 0)
    }
}
