import XCTest
import Tensor

/// The AMX tile products (TileMatrix, AMXGemm.c) against a double-precision reference: bf16x3
/// to ~1e-5 relative, bf16 to bf16's, on shapes that cover the kernel's edges. Skipped where
/// the CPU has no tile unit (the f32 kernels then run everywhere).
final class TileMatrixTests: XCTestCase {
    private func values(_ count: Int, seed: UInt64) -> [Float] {
        var gen = SeededGenerator(seed: seed)
        return (0..<count).map { _ in gen.nextNormal() }
    }

    /// y = x · Wᵀ in Double.
    private func reference(_ x: [Float], _ w: [Float], m: Int, n: Int, k: Int) -> [Double] {
        (0..<(m * n)).map { e in
            let (i, j) = (e / n, e % n)
            return (0..<k).reduce(0.0) { $0 + Double(x[i * k + $1]) * Double(w[j * k + $1]) }
        }
    }

    private func requireTiles() throws {
        try XCTSkipUnless(TileMatrix.available, "this CPU has no AMX-BF16 tile unit")
    }

    func testProductsMatchReferenceOnEdgeShapes() throws {
        try requireTiles()
        // Rows: one, a partial tile, a whole one, one past it, three tiles' worth; blocks of W:
        // one, a group of four, a partial group; k: one chunk and several.
        let shapes = [(1, 16, 32), (7, 64, 64), (16, 80, 96), (17, 48, 576), (37, 576, 576), (24, 1536, 64)]
        for (m, n, k) in shapes {
            let x = values(m * k, seed: 1), w = values(n * k, seed: 2), start = values(m * n, seed: 3)
            let exact = reference(x, w, m: m, n: n, k: k)
            // Relative to the size of a sum of k unit products.
            let scale = Double(k).squareRoot()
            for (precision, tolerance) in [(TileMatrix.Precision.bf16x3, 1e-4), (.bf16, 2e-2)] {
                let packed = w.withUnsafeBufferPointer { TileMatrix($0.baseAddress!, rows: n, columns: k, precision: precision) }
                var y = [Float](repeating: .nan, count: m * n), sum = start
                x.withUnsafeBufferPointer { xp in
                    y.withUnsafeMutableBufferPointer { packed.multiply(xp.baseAddress!, rows: m, into: $0.baseAddress!) }
                    sum.withUnsafeMutableBufferPointer { packed.multiply(xp.baseAddress!, rows: m, into: $0.baseAddress!, accumulate: true) }
                }
                let worst = zip(y, exact).map { abs(Double($0) - $1) }.max()!
                XCTAssertLessThan(worst / scale, tolerance, "\(precision) m \(m) n \(n) k \(k)")
                let worstSum = (0..<(m * n)).map { abs(Double(sum[$0]) - (exact[$0] + Double(start[$0]))) }.max()!
                XCTAssertLessThan(worstSum / scale, tolerance, "\(precision) accumulate m \(m) n \(n) k \(k)")
            }
        }
    }

    /// bf16x3 is what its tails buy: errors far below plain bf16's, at most a few times 2⁻¹⁷
    /// per unit product.
    func testSplitProductsAreFarMoreAccurateThanPlainBF16() throws {
        try requireTiles()
        let (m, n, k) = (10, 576, 1536)
        let x = values(m * k, seed: 4), w = values(n * k, seed: 5)
        let exact = reference(x, w, m: m, n: n, k: k)
        func error(_ precision: TileMatrix.Precision) -> Double {
            let packed = w.withUnsafeBufferPointer { TileMatrix($0.baseAddress!, rows: n, columns: k, precision: precision) }
            var y = [Float](repeating: 0, count: m * n)
            x.withUnsafeBufferPointer { xp in y.withUnsafeMutableBufferPointer { packed.multiply(xp.baseAddress!, rows: m, into: $0.baseAddress!) } }
            return zip(y, exact).map { abs(Double($0) - $1) }.max()!
        }
        let split = error(.bf16x3)
        XCTAssertLessThan(split / Double(k).squareRoot(), 4e-5)
        XCTAssertGreaterThan(error(.bf16), 30 * split)
    }
}
