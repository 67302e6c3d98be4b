import XCTest
import Tensor

final class ReduceTests: XCTestCase {
    func testSumMeanMaxValues() {
        let x = Tensor(shape: [2, 3], values: [1, 5, 3, 4, 2, 6])
        XCTAssertEqual(x.sum().item, 21)
        XCTAssertEqual(x.sum().shape, [])
        XCTAssertEqual(x.mean().item, 3.5)
        XCTAssertEqual(x.sum(axis: 0).scalars, [5, 7, 9])
        XCTAssertEqual(x.sum(axis: 1, keepDims: true).shape, [2, 1])
        XCTAssertEqual(x.sum(axis: -1).scalars, [9, 12])
        XCTAssertEqual(x.mean(axis: 0).scalars, [2.5, 3.5, 4.5])
        XCTAssertEqual(x.max(axis: 1).scalars, [5, 6])
        XCTAssertEqual(x.max(axis: 0).scalars, [4, 5, 6])
        XCTAssertEqual(x.argmax(), [1, 2])
        // Large enough to take the parallel, chunked path: 1 + 2 + … + n.
        let n = 100_000
        let big = Tensor(shape: [n], values: (0..<n).map { Float($0 % 7) })
        let expected = (0..<n).reduce(0) { $0 + $1 % 7 }
        XCTAssertEqual(big.sum().item, Float(expected), accuracy: Float(expected) * 1e-6)
    }

    func testReductionGradients() {
        let x = randomTensor([2, 3, 4], seed: 20)
        assertGradientsMatch([x]) { $0[0].sum() }
        assertGradientsMatch([x]) { $0[0].mean() }
        for axis in [0, 1, 2, -1] {
            assertGradientsMatch([x]) { $0[0].sum(axis: axis) }
            assertGradientsMatch([x]) { $0[0].mean(axis: axis, keepDims: true) }
        }
    }

    func testScalarOpGradients() {
        let x = randomTensor([3, 5], seed: 21)
        assertGradientsMatch([x]) { $0[0].scaled(-1.5) }
        assertGradientsMatch([x]) { 2 * $0[0] + 1 }
        assertGradientsMatch([x]) { ($0[0] - 3) / 4 }
        assertGradientsMatch([x]) { -$0[0].adding(0.5) }
        XCTAssertEqual((Tensor(shape: [2], values: [1, -2]) * 3).scalars, [3, -6])
    }
}
