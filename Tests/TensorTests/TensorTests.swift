import XCTest
import Tensor

/// Shared helpers for the engine's tests.
func assertGradientsMatch(_ inputs: [Tensor], file: StaticString = #filePath, line: UInt = #line,
                          _ f: ([Tensor]) -> Tensor) {
    let bad = GradientCheck.mismatches(inputs, f)
    XCTAssert(bad.isEmpty, "gradient mismatches: \(bad.prefix(5))", file: file, line: line)
}

func randomTensor(_ shape: [Int], seed: UInt64, requiresGrad: Bool = true) -> Tensor {
    var gen = SeededGenerator(seed: seed)
    return Tensor.randn(shape, generator: &gen, requiresGrad: requiresGrad)
}

final class CoreTests: XCTestCase {
    func testMatmulValues() {
        let a = Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
        let b = Tensor(shape: [3, 2], values: [7, 8, 9, 10, 11, 12])
        XCTAssertEqual(Tensor.matmul(a, b).scalars, [58, 64, 139, 154])
        XCTAssertEqual(Tensor.matmul(a, a, transposeB: true).scalars, [14, 32, 32, 77])
    }

    func testMatmulGradients() {
        for (ta, tb) in [(false, false), (false, true)] {
            let a = randomTensor([2, 3, 4], seed: 1), b = randomTensor(tb ? [5, 4] : [4, 5], seed: 2)
            assertGradientsMatch([a, b]) { Tensor.matmul($0[0], $0[1], transposeA: ta, transposeB: tb) }
        }
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            let a = randomTensor(ta ? [2, 4, 3] : [2, 3, 4], seed: 3)
            let b = randomTensor(tb ? [2, 5, 4] : [2, 4, 5], seed: 4)
            assertGradientsMatch([a, b]) { Tensor.matmul($0[0], $0[1], transposeA: ta, transposeB: tb) }
        }
    }

    func testBroadcastArithmeticGradients() {
        let a = randomTensor([2, 3, 4], seed: 5)
        for bShape in [[2, 3, 4], [4], [3, 1], [1]] {
            let b = randomTensor(bShape, seed: 6)
            b.pointer[0] += 3  // keep the divisor away from zero
            assertGradientsMatch([a, b]) { $0[0] + $0[1] }
            assertGradientsMatch([a, b]) { $0[0] - $0[1] }
            assertGradientsMatch([a, b]) { $0[0] * $0[1] }
            let c = Tensor.full(bShape, 2).mapped { $0 } + b.detached().mapped { abs($0) }
            c.requiresGrad = true
            assertGradientsMatch([a, c]) { $0[0] / $0[1] }
        }
    }

    func testNoGradRecordsNothingAndFrozenTensorsGetNoGradient() {
        let w = randomTensor([3, 3], seed: 8)
        let frozen = randomTensor([3, 3], seed: 9, requiresGrad: false)
        let y = Autograd.noGrad { Tensor.matmul(w, frozen) }
        XCTAssertFalse(y.requiresGrad)
        let z = Tensor.matmul(w, frozen)
        z.backward(Tensor.ones([3, 3]))
        XCTAssertNotNil(w.grad)
        XCTAssertNil(frozen.grad)
    }

    func testGradientAccumulatesAcrossUses() {
        let x = randomTensor([4], seed: 10)
        let y = x * x + x  // dy/dx = 2x + 1
        y.backward(Tensor.ones([4]))
        for i in 0..<4 { XCTAssertEqual(x.grad!.pointer[i], 2 * x.pointer[i] + 1, accuracy: 1e-5) }
    }
}
