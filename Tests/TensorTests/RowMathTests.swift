import XCTest
import Foundation
import Tensor
import CKernels

/// The C row kernels behind softmax, attention, log-sum-exp and GELU (CKernels/RowMath.c),
/// at every kernel level this CPU runs, against double-precision references; lengths cover
/// full vectors and every tail of the 8- and 16-lane bodies.
final class RowMathTests: XCTestCase {
    private var levels: [Int32] { Array(0...VectorMath.level) }
    private let lengths = Array(0...35) + [63, 64, 65, 500, 1031]

    private func values(_ count: Int, seed: UInt64, scale: Float = 3) -> [Float] {
        var gen = SeededGenerator(seed: seed)
        return (0..<count).map { _ in gen.nextNormal() * scale }
    }

    func testExpShiftedMatchesDoubleAtEveryLevelAndTail() {
        for level in levels {
            for n in lengths {
                let src = values(n, seed: UInt64(n) + 1)
                let shift = src.max() ?? 0
                var dst = [Float](repeating: -1, count: n + 1)  // one guard element past the row
                let sum = dst.withUnsafeMutableBufferPointer { VectorMath.expShifted(src, $0.baseAddress!, n, shift: shift, level: level) }
                var refSum = 0.0
                for i in 0..<n {
                    // The kernel's argument is the float difference; exp magnifies its rounding.
                    let ref = Foundation.exp(Double(src[i] - shift))
                    refSum += ref
                    XCTAssertEqual(Double(dst[i]), ref, accuracy: 3e-7 * ref + 1e-30, "level \(level) n \(n) i \(i)")
                }
                XCTAssertEqual(dst[n], -1, "level \(level) wrote past \(n)")
                XCTAssertEqual(Double(sum), refSum, accuracy: 1e-6 * max(refSum, 1), "sum, level \(level) n \(n)")
                let sumOnly = VectorMath.sumExpShifted(src, n, shift: shift, level: level)
                XCTAssertEqual(sumOnly, sum, "level \(level) n \(n)")
            }
        }
    }

    /// The decoding pass's SwiGLU gate, silu(g)·u, in place, every tail.
    func testSwiGLUMatchesDoubleAtEveryLevelAndTail() {
        for level in levels {
            for n in lengths {
                let up = values(n, seed: UInt64(n) + 7), gate = values(n, seed: UInt64(n) + 8, scale: 6)
                var out = gate + [-1]  // one guard element past the row
                out.withUnsafeMutableBufferPointer { ck_swiglu(level, $0.baseAddress!, up, n) }
                for i in 0..<n {
                    let g = Double(gate[i]), ref = g / (1 + Foundation.exp(-g)) * Double(up[i])
                    XCTAssertEqual(Double(out[i]), ref, accuracy: 1e-6 * max(1, abs(ref)), "level \(level) n \(n) i \(i)")
                }
                XCTAssertEqual(out[n], -1, "level \(level) wrote past \(n)")
            }
        }
    }

    func testExpEdgeValuesAtEveryLevel() {
        let src: [Float] = [0, -.infinity, -100, -87.5, -87.3, 88.3, .nan, 1, -1, 10, -10, 0.5, -0.5, 20, -20, 50, 30]
        for level in levels {
            var dst = [Float](repeating: 0, count: src.count)
            _ = dst.withUnsafeMutableBufferPointer { VectorMath.expShifted(src, $0.baseAddress!, src.count, shift: 0, level: level) }
            XCTAssertEqual(dst[0], 1, "level \(level)")
            XCTAssertEqual(dst[1], 0, "level \(level)")
            XCTAssertEqual(dst[2], 0, "level \(level)")
            XCTAssertEqual(dst[3], 0, "level \(level)")
            XCTAssertTrue(dst[6].isNaN, "level \(level): NaN must propagate")
            for i in [4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16] {
                let ref = Foundation.exp(Double(src[i]))
                XCTAssertEqual(Double(dst[i]), ref, accuracy: 3e-7 * ref, "level \(level) exp(\(src[i]))")
            }
        }
    }

    func testSoftmaxRowMatchesDoubleWithMaskedKeysAndZeroTail() {
        for level in levels {
            for visible in lengths {
                let total = visible + 7
                var row = values(total, seed: UInt64(visible) + 100)
                if visible > 3 { row[1] = -.infinity }  // a masked key
                let input = row
                row.withUnsafeMutableBufferPointer { VectorMath.softmaxRow($0.baseAddress!, visible: visible, total: total, level: level) }
                let m = input.prefix(visible).map(Double.init).max() ?? 0
                let z = input.prefix(visible).reduce(0.0) { $0 + Foundation.exp(Double($1) - m) }
                for j in 0..<visible {
                    XCTAssertEqual(Double(row[j]), Foundation.exp(Double(input[j]) - m) / z, accuracy: 1e-6,
                                   "level \(level) visible \(visible) j \(j)")
                }
                XCTAssertEqual(Array(row[visible...]), [Float](repeating: 0, count: total - visible), "level \(level)")
            }
            var blind: [Float] = [-.infinity, -.infinity, 3, 4]
            blind.withUnsafeMutableBufferPointer { VectorMath.softmaxRow($0.baseAddress!, visible: 2, total: 4, level: level) }
            XCTAssertEqual(blind, [0, 0, 0, 0], "level \(level): a query that sees nothing gets zero weights")
        }
    }

    func testGELUAndItsGradientMatchDoubleAtEveryLevel() {
        let c = 0.7978845608028654
        func gelu(_ x: Double) -> Double { 0.5 * x * (1 + Foundation.tanh(c * (x + 0.044715 * x * x * x))) }
        func dgelu(_ x: Double) -> Double {
            let t = Foundation.tanh(c * (x + 0.044715 * x * x * x))
            return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x * x)
        }
        for level in levels {
            for n in lengths {
                var x = values(n, seed: UInt64(n) + 200)
                if n > 4 { x[0] = 40; x[1] = -40; x[2] = 0; x[3] = -1e-3 }  // saturated ends, and 0
                let g = values(n, seed: UInt64(n) + 300, scale: 1)
                var y = [Float](repeating: 0, count: n), dx = [Float](repeating: 0, count: n)
                y.withUnsafeMutableBufferPointer { VectorMath.gelu(x, into: $0.baseAddress!, count: n, level: level) }
                dx.withUnsafeMutableBufferPointer { VectorMath.gelu(x, gradient: g, into: $0.baseAddress!, count: n, level: level) }
                for i in 0..<n {
                    let xi = Double(x[i])
                    XCTAssertEqual(Double(y[i]), gelu(xi), accuracy: 1e-6 * max(1, abs(xi)), "level \(level) gelu(\(xi))")
                    XCTAssertEqual(Double(dx[i]), Double(g[i]) * dgelu(xi), accuracy: 2e-6, "level \(level) gelu'(\(xi))")
                }
            }
        }
    }

    func testGELUInPlace() {
        for level in levels {
            let x = values(37, seed: 9)
            var inPlace = x, separate = [Float](repeating: 0, count: 37)
            inPlace.withUnsafeMutableBufferPointer { VectorMath.gelu($0.baseAddress!, into: $0.baseAddress!, count: 37, level: level) }
            separate.withUnsafeMutableBufferPointer { VectorMath.gelu(x, into: $0.baseAddress!, count: 37, level: level) }
            XCTAssertEqual(inPlace, separate, "level \(level)")
        }
    }
}
