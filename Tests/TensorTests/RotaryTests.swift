import XCTest
import Foundation
import Tensor

final class RotaryTests: XCTestCase {
    func testRotateHalfValues() {
        // D = 4: pairs (0, 2) at θ = p and (1, 3) at θ = p/100.
        let x = Tensor(shape: [1, 1, 2, 4], values: [1, 2, 3, 4, 1, 2, 3, 4])
        let y = x.rotary(positions: [0, 1])
        XCTAssertEqual(Array(y.scalars[0..<4]), [1, 2, 3, 4], accuracy: 1e-7)  // position 0: identity
        let c1 = Float(cos(1.0)), s1 = Float(sin(1.0)), c2 = Float(cos(0.01)), s2 = Float(sin(0.01))
        XCTAssertEqual(Array(y.scalars[4..<8]), [1 * c1 - 3 * s1, 2 * c2 - 4 * s2, 3 * c1 + 1 * s1, 4 * c2 + 2 * s2], accuracy: 1e-6)
    }

    func testScoresDependOnlyOnRelativePosition() {
        let q = randomTensor([1, 1, 1, 8], seed: 90, requiresGrad: false)
        let k = randomTensor([1, 1, 1, 8], seed: 91, requiresGrad: false)
        func score(_ m: Int, _ n: Int) -> Float {
            let a = q.rotary(positions: [m]).scalars, b = k.rotary(positions: [n]).scalars
            return zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
        }
        XCTAssertEqual(score(5, 3), score(12, 10), accuracy: 1e-4)
        XCTAssertEqual(score(0, 7), score(20, 27), accuracy: 1e-4)
        XCTAssertNotEqual(score(5, 3), score(5, 4), accuracy: 1e-3)
    }

    func testRotaryGradientsWithOffsets() {
        let x = randomTensor([2, 2, 3, 6], seed: 92)
        assertGradientsMatch([x]) { $0[0].rotary(positions: [0, 1, 2]) }
        assertGradientsMatch([x]) { $0[0].rotary(positions: [7, 8, 9], base: 500) }  // decoding after 7 cached tokens
        let single = randomTensor([1, 3, 1, 8], seed: 93)
        assertGradientsMatch([single]) { $0[0].rotary(positions: [41]) }
    }
}
