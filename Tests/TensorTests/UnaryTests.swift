import XCTest
import Foundation
import Tensor

final class UnaryTests: XCTestCase {
    /// Values spread over [-4, 4] but at least 0.05 from 0, so kinks (ReLU) sit outside
    /// the finite-difference step.
    func awayFromZero(_ shape: [Int], seed: UInt64) -> Tensor {
        let t = randomTensor(shape, seed: seed)
        for i in 0..<t.count where abs(t.pointer[i]) < 0.05 { t.pointer[i] += t.pointer[i] < 0 ? -0.1 : 0.1 }
        return t
    }

    func testVectorExpMatchesLibm() {
        var worst: Double = 0
        var x: Float = -87
        while x < 88 {
            let v = VectorMath.exp(SIMD8<Float>(repeating: x))[0]
            let ref = Foundation.exp(Double(x))
            worst = max(worst, abs(Double(v) - ref) / ref)
            x += 0.0137
        }
        XCTAssertLessThan(worst, 4e-7)
        XCTAssertEqual(VectorMath.exp(-Float.infinity), 0)
        XCTAssertTrue(VectorMath.exp(Float.nan).isNaN)  // NaN propagates, as a bug should
        XCTAssertEqual(VectorMath.exp(-100), 0)
        XCTAssertEqual(VectorMath.exp(0), 1)
    }

    func testUnaryValues() {
        // 19 values: two full vectors plus a tail of 3.
        let xs: [Float] = (0..<19).map { Float($0) * 0.4 - 3.6 }
        let x = Tensor(shape: [19], values: xs)
        func check(_ t: Tensor, _ ref: (Double) -> Double, _ tol: Double, _ name: String) {
            for (i, v) in xs.enumerated() {
                XCTAssertEqual(Double(t.pointer[i]), ref(Double(v)), accuracy: tol * max(1, abs(ref(Double(v)))), "\(name)(\(v))")
            }
        }
        check(x.exp(), { Foundation.exp($0) }, 1e-6, "exp")
        check(x.tanh(), { Foundation.tanh($0) }, 1e-6, "tanh")
        check(x.sigmoid(), { 1 / (1 + Foundation.exp(-$0)) }, 1e-6, "sigmoid")
        check(x.relu(), { Swift.max($0, 0) }, 0, "relu")
        check(x.silu(), { $0 / (1 + Foundation.exp(-$0)) }, 1e-6, "silu")
        check(x.squared(), { $0 * $0 }, 1e-6, "square")
        check(x.negated(), { -$0 }, 0, "neg")
        check(x.gelu(), { v in 0.5 * v * (1 + Foundation.tanh(0.7978845608028654 * (v + 0.044715 * v * v * v))) }, 1e-6, "gelu")
        let p = x.mapped { abs($0) + 0.1 }
        let ps = p.scalars, logs = p.log().scalars, roots = p.sqrt().scalars
        for i in 0..<19 {
            XCTAssertEqual(Double(logs[i]), Foundation.log(Double(ps[i])), accuracy: 1e-6)
            XCTAssertEqual(Double(roots[i]), Double(ps[i]).squareRoot(), accuracy: 1e-6)
        }
        // PyTorch: F.gelu(torch.tensor([1., -1., 2., .5]), approximate="tanh")
        XCTAssertEqual(Tensor(shape: [4], values: [1, -1, 2, 0.5]).gelu().scalars,
                       [0.841192, -0.158808, 1.954598, 0.345714].map { Float($0) }, accuracy: 2e-6)
    }

    func testUnaryGradients() {
        let x = awayFromZero([3, 7], seed: 30)
        for (name, f) in [("exp", { (t: Tensor) in t.exp() }), ("tanh", { $0.tanh() }), ("sigmoid", { $0.sigmoid() }),
                          ("relu", { $0.relu() }), ("gelu", { $0.gelu() }), ("silu", { $0.silu() }),
                          ("square", { $0.squared() }), ("neg", { $0.negated() })] as [(String, (Tensor) -> Tensor)] {
            let bad = GradientCheck.mismatches([x]) { f($0[0]) }
            XCTAssert(bad.isEmpty, "\(name): \(bad.prefix(3))")
        }
        let p = Tensor(shape: [3, 7], values: x.scalars.map { abs($0) + 0.5 }, requiresGrad: true)
        assertGradientsMatch([p]) { $0[0].log() }
        assertGradientsMatch([p]) { $0[0].sqrt() }
    }
}

func XCTAssertEqual(_ a: [Float], _ b: [Float], accuracy: Float, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, file: file, line: line)
    for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: accuracy, file: file, line: line) }
}
