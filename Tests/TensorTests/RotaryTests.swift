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

/// RoPE on interleaved pairs (2i, 2i+1), the layout GGUF llama weights need.
final class InterleavedRotaryTests: XCTestCase {
    func testInterleavedPairsValues() {
        // D = 4: pairs (0, 1) at θ = p and (2, 3) at θ = p/100.
        let x = Tensor(shape: [1, 1, 2, 4], values: [1, 2, 3, 4, 1, 2, 3, 4])
        let y = x.rotary(positions: [0, 1], style: .interleaved)
        XCTAssertEqual(Array(y.scalars[0..<4]), [1, 2, 3, 4], accuracy: 1e-7)
        let c1 = Float(cos(1.0)), s1 = Float(sin(1.0)), c2 = Float(cos(0.01)), s2 = Float(sin(0.01))
        XCTAssertEqual(Array(y.scalars[4..<8]), [1 * c1 - 2 * s1, 2 * c1 + 1 * s1, 3 * c2 - 4 * s2, 4 * c2 + 3 * s2],
                       accuracy: 1e-6)
    }

    /// Interleaved RoPE is rotate-half conjugated by the permutation that llama.cpp's
    /// converter applies to q/k rows: (even features, odd features) → (first half, second half).
    func testEqualsRotateHalfUnderThePairPermutation() {
        let x = randomTensor([2, 3, 5, 8], seed: 94, requiresGrad: false)
        let permuted = Tensor.empty(x.shape)
        for r in 0..<(x.count / 8) {
            for i in 0..<4 {
                permuted.pointer[r * 8 + i] = x.pointer[r * 8 + 2 * i]
                permuted.pointer[r * 8 + 4 + i] = x.pointer[r * 8 + 2 * i + 1]
            }
        }
        let interleaved = x.rotary(positions: [3, 4, 5, 6, 7], base: 100, style: .interleaved)
        let half = permuted.rotary(positions: [3, 4, 5, 6, 7], base: 100, style: .half)
        for r in 0..<(x.count / 8) {
            for i in 0..<4 {
                XCTAssertEqual(interleaved.pointer[r * 8 + 2 * i], half.pointer[r * 8 + i])
                XCTAssertEqual(interleaved.pointer[r * 8 + 2 * i + 1], half.pointer[r * 8 + 4 + i])
            }
        }
        XCTAssertNotEqual(x.rotary(positions: [3, 4, 5, 6, 7], base: 100, style: .half).scalars, interleaved.scalars)
    }

    func testInterleavedGradients() {
        let x = randomTensor([2, 2, 3, 6], seed: 95)
        assertGradientsMatch([x]) { $0[0].rotary(positions: [0, 1, 2], style: .interleaved) }
        assertGradientsMatch([x]) { $0[0].rotary(positions: [7, 8, 9], base: 500, style: .interleaved) }
    }
}
