import XCTest
import Foundation
import Tensor

final class NormTests: XCTestCase {
    func testLayerNormValues() {
        let x = Tensor(shape: [1, 4], values: [1, 2, 3, 4])
        let rstd = 1 / Float((1.25 + 1e-5).squareRoot())
        XCTAssertEqual(x.layerNorm(weight: nil, bias: nil).scalars, [-1.5, -0.5, 0.5, 1.5].map { $0 * rstd }, accuracy: 1e-6)
        let w = Tensor(shape: [4], values: [1, 2, 3, 4]), b = Tensor(shape: [4], values: [0, 1, 0, -1])
        XCTAssertEqual(x.layerNorm(weight: w, bias: b).scalars,
                       [-1.5 * rstd, -1 * rstd + 1, 1.5 * rstd, 6 * rstd - 1], accuracy: 1e-5)
        // Large offset: two-pass variance keeps precision.
        let shifted = Tensor(shape: [1, 4], values: [10001, 10002, 10003, 10004])
        XCTAssertEqual(shifted.layerNorm(weight: nil, bias: nil).scalars, [-1.5, -0.5, 0.5, 1.5].map { $0 * rstd }, accuracy: 1e-3)
    }

    func testRMSNormValues() {
        let x = Tensor(shape: [2, 4], values: [1, 2, 3, 4, 0, 0, 0, 2])
        let r1 = 1 / Float((7.5 + 1e-6).squareRoot()), r2 = 1 / Float((1 + 1e-6).squareRoot())
        let w = Tensor(shape: [4], values: [1, 1, 2, 0.5])
        XCTAssertEqual(x.rmsNorm(weight: w).scalars, [r1, 2 * r1, 6 * r1, 2 * r1, 0, 0, 0, r2], accuracy: 1e-6)
    }

    func testNormGradients() {
        let x = randomTensor([3, 2, 10], seed: 80)
        let w = randomTensor([10], seed: 81), b = randomTensor([10], seed: 82)
        assertGradientsMatch([x, w, b]) { $0[0].layerNorm(weight: $0[1], bias: $0[2]) }
        assertGradientsMatch([x, w]) { $0[0].layerNorm(weight: $0[1], bias: nil) }
        assertGradientsMatch([x, b]) { $0[0].layerNorm(weight: nil, bias: $0[1]) }
        assertGradientsMatch([x]) { $0[0].layerNorm(weight: nil, bias: nil) }
        assertGradientsMatch([x, w]) { $0[0].rmsNorm(weight: $0[1]) }
        assertGradientsMatch([x]) { $0[0].rmsNorm(weight: nil) }
        // Frozen weight: only x gets a gradient.
        let frozen = randomTensor([10], seed: 83, requiresGrad: false)
        assertGradientsMatch([x, frozen]) { $0[0].rmsNorm(weight: $0[1]) }
        XCTAssertNil(frozen.grad)
    }

    func testNormsOnManyRowsTakeTheParallelPath() {
        // 4096 rows × 64: weight gradients are summed from per-core partials.
        let x = randomTensor([4096, 64], seed: 84), w = randomTensor([64], seed: 85)
        let y = x.rmsNorm(weight: w)
        y.backward(Tensor.ones([4096, 64]))
        // Σ_rows g·xhat for g = 1, computed independently.
        var expected = [Double](repeating: 0, count: 64)
        for r in 0..<4096 {
            var ms = 0.0
            for j in 0..<64 { ms += Double(x.pointer[r * 64 + j]) * Double(x.pointer[r * 64 + j]) }
            let rinv = 1 / (ms / 64 + 1e-6).squareRoot()
            for j in 0..<64 { expected[j] += Double(x.pointer[r * 64 + j]) * rinv }
        }
        for j in 0..<64 { XCTAssertEqual(Double(w.grad!.pointer[j]), expected[j], accuracy: 1e-2) }
    }
}
