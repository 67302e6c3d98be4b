import XCTest
import Tensor

final class GradientCheckTests: XCTestCase {
    /// The check must be able to fail: an op whose backward is off by a factor, and one
    /// that forgets part of its gradient, are both caught.
    func testCatchesWrongBackward() {
        let x = randomTensor([2, 3], seed: 50)
        func squareWithBackward(_ t: Tensor, factor: Float) -> Tensor {
            let out = t.detached().mapped { $0 * $0 }
            return Tensor.record(out, op: "bad_square", inputs: [t]) { g, _ in
                t.accumulateGrad(Tensor.broadcastBinary(g, t, { $0 * $1 * factor }), owned: true)
            }
        }
        XCTAssertTrue(GradientCheck.mismatches([x]) { squareWithBackward($0[0], factor: 2) }.isEmpty)
        XCTAssertGreaterThanOrEqual(GradientCheck.mismatches([x]) { squareWithBackward($0[0], factor: 1.8) }.count, 4)
        let wrongSoftmax: ([Tensor]) -> Tensor = { t in
            let out = t[0].detached().softmax()
            return Tensor.record(out, op: "bad_softmax", inputs: [t[0]]) { g, y in
                t[0].accumulateGrad(Tensor.broadcastBinary(g, y, *), owned: true)  // misses −Σ g·y
            }
        }
        XCTAssertFalse(GradientCheck.mismatches([x], wrongSoftmax).isEmpty)
    }
}
