import XCTest
import Tensor

/// The few-row product kernel behind `BLAS.gemm` (decoding steps) against a double-precision
/// reference, at every kernel level the CPU runs, and against sgemm through `Tensor.matmul`.
final class SmallRowsGemmTests: XCTestCase {
    private func values(_ count: Int, seed: UInt64) -> [Float] {
        var gen = SeededGenerator(seed: seed)
        return (0..<count).map { _ in gen.nextNormal() }
    }

    /// C = alpha·A·Bᵀ + beta·C in Double, with leading dimensions.
    private func reference(m: Int, n: Int, k: Int, alpha: Float, a: [Float], lda: Int, b: [Float], ldb: Int,
                           beta: Float, c: [Float], ldc: Int) -> [Float] {
        var out = c
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for p in 0..<k { s += Double(a[i * lda + p]) * Double(b[j * ldb + p]) }
                out[i * ldc + j] = Float(Double(alpha) * s + (beta == 0 ? 0 : Double(beta) * Double(c[i * ldc + j])))
            }
        }
        return out
    }

    func testEveryLevelMatchesReferenceOnEdgeShapes() {
        // Odd rows (the 2-row tile's edge), columns not a multiple of 4, k around the SIMD
        // widths and their tails, padded leading dimensions, and one wide enough to split.
        let shapes = [(1, 1, 1), (1, 5, 7), (2, 4, 16), (3, 9, 17), (7, 13, 33), (16, 6, 300), (10, 1030, 64), (5, 3, 0)]
        for (m, n, k) in shapes {
            let (lda, ldb, ldc) = (k + 3, k + 1, n + 2)
            let a = values(m * lda, seed: 1), b = values(n * ldb, seed: 2), c0 = values(m * ldc, seed: 3)
            for (alpha, beta) in [(Float(1), Float(0)), (0.5, 2)] {
                let expected = reference(m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                                         beta: beta, c: c0, ldc: ldc)
                for level in 0...SmallRowsGemm.level {
                    var c = c0
                    c.withUnsafeMutableBufferPointer { cp in
                        SmallRowsGemm.multiply(m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                                               beta: beta, c: cp.baseAddress!, ldc: ldc, level: level)
                    }
                    let worst = zip(c, expected).map { abs($0 - $1) }.max() ?? 0
                    XCTAssertLessThan(worst, 1e-4 * Float(max(1, k)).squareRoot(),
                                      "m \(m) n \(n) k \(k) alpha \(alpha) beta \(beta) level \(level)")
                    // Padding between rows of C is never written.
                    for i in 0..<m { for j in n..<ldc { XCTAssertEqual(c[i * ldc + j], c0[i * ldc + j]) } }
                }
            }
        }
    }

    /// A decoding step's product (≤ 16 rows, the small kernel) equals the same rows of a
    /// larger batch's product (sgemm) to float tolerance, and so does its gradient.
    func testMatmulFewRowsAgreesWithSgemmRows() {
        let (k, n) = (256, 770)
        let big = randomTensor([SmallRowsGemm.maxRows + 8, k], seed: 4, requiresGrad: false)
        let w = randomTensor([n, k], seed: 5, requiresGrad: false)
        let full = Tensor.matmul(big, w, transposeB: true)  // more than maxRows: sgemm
        for rows in [1, 2, 10, 35, SmallRowsGemm.maxRows] {
            let few = Tensor(shape: [rows, k], values: Array(big.scalars[0..<(rows * k)]))
            let out = Tensor.matmul(few, w, transposeB: true)
            XCTAssertEqual(out.shape, [rows, n])
            let worst = zip(out.scalars, full.scalars[0..<(rows * n)]).map { abs($0 - $1) }.max()!
            XCTAssertLessThan(worst, 1e-4, "\(rows) rows")
        }
        // Gradients through the small path still match finite differences.
        let a = randomTensor([3, 5], seed: 6), b = randomTensor([7, 5], seed: 7)
        assertGradientsMatch([a, b]) { Tensor.matmul($0[0], $0[1], transposeB: true) }
    }
}
