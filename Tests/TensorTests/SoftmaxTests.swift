import XCTest
import Foundation
import Tensor

final class SoftmaxTests: XCTestCase {
    func testSoftmaxValuesStableAndMasked() {
        let x = Tensor(shape: [3, 3], values: [1, 2, 3, 1000, 1001, 1000, -.infinity, -.infinity, -.infinity])
        let y = x.softmax()
        XCTAssertEqual(Array(y.scalars[0..<3]), [0.09003057, 0.24472847, 0.66524096], accuracy: 1e-6)
        XCTAssertEqual(Array(y.scalars[3..<6]), [0.21194156, 0.57611688, 0.21194156], accuracy: 1e-6)
        XCTAssertEqual(Array(y.scalars[6..<9]), [0, 0, 0])  // a fully masked row
        let ls = x.sliced(axis: 0, range: 0..<2).logSoftmax()
        XCTAssertEqual(ls.scalars, [-2.40760596, -1.40760596, -0.40760596, -1.55144471, -0.55144471, -1.55144471],
                       accuracy: 1e-5)
        // A partly masked row: the −∞ entry gets exactly 0.
        let m = Tensor(shape: [1, 3], values: [0, -.infinity, 0]).softmax()
        XCTAssertEqual(m.scalars, [0.5, 0, 0.5])
    }

    func testSoftmaxOnOtherAxesMatchesLastAxis() {
        let x = randomTensor([2, 5, 3], seed: 40, requiresGrad: false)
        let viaLast = x.transposed(1, 2).softmax(axis: -1).transposed(1, 2)
        XCTAssertEqual(x.softmax(axis: 1).scalars, viaLast.scalars, accuracy: 1e-6)
        let lviaLast = x.transposed(1, 2).logSoftmax(axis: -1).transposed(1, 2)
        XCTAssertEqual(x.logSoftmax(axis: 1).scalars, lviaLast.scalars, accuracy: 1e-5)
        // Long rows cross the SIMD body and tail.
        let long = randomTensor([3, 37], seed: 41, requiresGrad: false)
        let s = long.softmax().sum(axis: -1)
        XCTAssertEqual(s.scalars, [1, 1, 1], accuracy: 1e-5)
    }

    func testSoftmaxGradients() {
        let x = randomTensor([2, 3, 11], seed: 42)
        assertGradientsMatch([x]) { $0[0].softmax() }
        assertGradientsMatch([x]) { $0[0].logSoftmax() }
        assertGradientsMatch([x]) { $0[0].softmax(axis: 1) }
        assertGradientsMatch([x]) { $0[0].logSoftmax(axis: 0) }
    }
}
