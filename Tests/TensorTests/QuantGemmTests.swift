import XCTest
import CKernels
import Tensor

/// The GGML-block product kernels (QuantGemm.c through `QuantizedMatrix`) against a
/// double-precision product with the weights dequantised by this file's own decoder, at
/// every kernel level the CPU runs. The blocks come from a small quantiser written here
/// (rounding to nearest, as llama.cpp's reference quantiser does), so the test needs no file.
final class QuantGemmTests: XCTestCase {
    typealias BlockType = QuantizedMatrix.BlockType

    private func values(_ count: Int, seed: UInt64) -> [Float] {
        var gen = SeededGenerator(seed: seed)
        return (0..<count).map { _ in gen.nextNormal() }
    }

    private func half(_ v: Float) -> [UInt8] {
        let bits = Float16(v).bitPattern
        return [UInt8(bits & 0xFF), UInt8(bits >> 8)]
    }

    private func float(_ lo: UInt8, _ hi: UInt8) -> Double {
        Double(Float(Float16(bitPattern: UInt16(lo) | UInt16(hi) << 8)))
    }

    /// `rows` rows of `columns` values (a multiple of 32) as GGML blocks of `type`.
    private func quantize(_ w: [Float], rows: Int, columns: Int, type: BlockType) -> [UInt8] {
        var out: [UInt8] = []
        for r in 0..<rows {
            for b in 0..<(columns / 32) {
                let x = Array(w[(r * columns + b * 32)..<(r * columns + b * 32 + 32)])
                switch type {
                case .q8_0:
                    let amax = x.map { abs($0) }.max()!
                    let d = amax / 127, inv: Float = d == 0 ? 0 : 1 / d
                    out += half(d)
                    out += x.map { UInt8(bitPattern: Int8(max(-127, min(127, ($0 * inv).rounded())))) }
                case .q4_0:
                    // The value of largest magnitude maps to −8 (llama.cpp's convention).
                    let big = x.max { abs($0) < abs($1) }!
                    let d = big / -8, inv: Float = d == 0 ? 0 : 1 / d
                    out += half(d)
                    let q = x.map { UInt8(max(0, min(15, ($0 * inv + 8).rounded()))) }
                    out += (0..<16).map { q[$0] | q[$0 + 16] << 4 }
                case .q4_1:
                    let (lo, hi) = (x.min()!, x.max()!)
                    let d = (hi - lo) / 15, inv: Float = d == 0 ? 0 : 1 / d
                    out += half(d) + half(lo)
                    let q = x.map { UInt8(max(0, min(15, (($0 - lo) * inv).rounded()))) }
                    out += (0..<16).map { q[$0] | q[$0 + 16] << 4 }
                }
            }
        }
        return out
    }

    /// The blocks decoded by the format's definition, in Double.
    private func dequantize(_ bytes: [UInt8], rows: Int, columns: Int, type: BlockType) -> [Double] {
        let bb = type.blockBytes
        var out = [Double](repeating: 0, count: rows * columns)
        for blk in 0..<(rows * columns / 32) {
            let p = blk * bb
            let d = float(bytes[p], bytes[p + 1])
            for i in 0..<32 {
                let v: Double
                switch type {
                case .q8_0: v = Double(Int8(bitPattern: bytes[p + 2 + i])) * d
                case .q4_0:
                    let byte = bytes[p + 2 + i % 16]
                    v = (Double(i < 16 ? byte & 0x0F : byte >> 4) - 8) * d
                case .q4_1:
                    let byte = bytes[p + 4 + i % 16]
                    v = Double(i < 16 ? byte & 0x0F : byte >> 4) * d + float(bytes[p + 2], bytes[p + 3])
                }
                out[blk * 32 + i] = v
            }
        }
        return out
    }

    private func reference(_ x: [Float], m: Int, ldx: Int, w: [Double], n: Int, k: Int) -> [Double] {
        var y = [Double](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for p in 0..<k { s += Double(x[i * ldx + p]) * w[j * k + p] }
                y[i * n + j] = s
            }
        }
        return y
    }

    /// Odd rows (the 2-row tiles' edge), weight rows not a multiple of 4, k past the 1024
    /// panel, a padded activation stride, and sub-ranges [n0, n1) of the weight rows: every
    /// computed output within float rounding of the Double product, nothing outside written.
    func testEveryLevelAndTypeMatchesDequantizedProduct() {
        let shapes = [(1, 1, 32), (1, 7, 64), (2, 5, 96), (3, 9, 576), (1, 33, 1088), (10, 37, 1088), (17, 13, 64), (48, 6, 160)]
        for type in [BlockType.q8_0, .q4_0, .q4_1] {
            for (m, n, k) in shapes {
                let ldx = k + 5
                let x = values(m * ldx, seed: UInt64(m * 31 + k))
                let blocks = quantize(values(n * k, seed: UInt64(n + 7 * k)), rows: n, columns: k, type: type)
                let w = dequantize(blocks, rows: n, columns: k, type: type)
                let expected = reference(x, m: m, ldx: ldx, w: w, n: n, k: k)
                let scale = expected.map { abs($0) }.max()! + 1
                for level in 0...SmallRowsGemm.level {
                    for (n0, n1) in [(0, n), (n / 3, n - n / 4)] where n1 > n0 {
                        let sentinel: Float = 12345
                        var y = [Float](repeating: sentinel, count: m * n)
                        x.withUnsafeBufferPointer { xp in
                            blocks.withUnsafeBytes { bp in
                                y.withUnsafeMutableBufferPointer { yp in
                                    ck_quant_gemm_nt(level, type.rawValue, Int32(m), Int32(n0), Int32(n1), Int32(k), xp.baseAddress,
                                                     ldx, bp.baseAddress, k / 32 * type.blockBytes, yp.baseAddress, n)
                                }
                            }
                        }
                        for i in 0..<m {
                            for j in 0..<n {
                                let got = y[i * n + j]
                                if j >= n0 && j < n1 {
                                    XCTAssertLessThan(abs(Double(got) - expected[i * n + j]), 2e-6 * scale * Double(k).squareRoot(),
                                                      "\(type) m \(m) n \(n) k \(k) level \(level) at (\(i), \(j))")
                                } else {
                                    XCTAssertEqual(got, sentinel, "\(type) wrote outside [\(n0), \(n1)) at (\(i), \(j))")
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Row dequantisation (embedding lookups, prefill's sgemm panels) against the decoder
    /// above, and `QuantizedMatrix.multiply` over two threads, with and without the
    /// dequantise-then-sgemm path, against the Double product.
    func testQuantizedMatrixDequantizesAndMultiplies() throws {
        let (n, k) = (70, 320)
        for type in [BlockType.q8_0, .q4_0, .q4_1] {
            let blocks = quantize(values(n * k, seed: 3), rows: n, columns: k, type: type)
            let w = dequantize(blocks, rows: n, columns: k, type: type)
            try blocks.withUnsafeBytes { bp in
                let matrix = try QuantizedMatrix(type: type, rows: n, columns: k, bytes: bp, owner: nil)
                XCTAssertEqual(matrix.byteCount, blocks.count)
                for level in 0...SmallRowsGemm.level {
                    var all = [Float](repeating: 0, count: n * k)
                    matrix.dequantize(rows: 0..<n, into: &all, threads: 2, level: level)
                    var row = [Float](repeating: 0, count: k)
                    matrix.dequantizeRow(n - 1, into: &row, level: level)
                    for p in 0..<(n * k) {
                        XCTAssertEqual(Double(all[p]), w[p], accuracy: 1e-6 * max(1, abs(w[p])), "\(type) level \(level) element \(p)")
                    }
                    XCTAssertEqual(row, Array(all[((n - 1) * k)...]), "\(type) level \(level)")
                }
                for m in [1, 10, QuantizedMatrix.sgemmRows + 2] {
                    let x = values(m * k, seed: UInt64(m))
                    let expected = reference(x, m: m, ldx: k, w: w, n: n, k: k)
                    var scratch = [Float](repeating: 0, count: n * k)
                    for (threads, useScratch) in [(1, false), (2, false), (2, true)] {
                        var y = [Float](repeating: .nan, count: m * n)
                        scratch.withUnsafeMutableBufferPointer { sp in
                            matrix.multiply(x, rows: m, into: &y, threads: threads, scratch: useScratch ? sp.baseAddress : nil)
                        }
                        for p in 0..<(m * n) {
                            XCTAssertEqual(Double(y[p]), expected[p], accuracy: 1e-4 * (1 + abs(expected[p])),
                                           "\(type) m \(m) threads \(threads) scratch \(useScratch)")
                        }
                    }
                }
            }
        }
    }

    /// The autograd product with a frozen quantised weight (`Tensor.matmul(_:quantized:)`, a
    /// pretrained backbone's layers under `enc`, `proj` and `lora`) equals the f32 product
    /// with the dequantised weight, forward and backward, on the few-rows kernels and the
    /// sgemm path, with W whole and cut in slices; and its gradient passes finite differences.
    func testQuantizedMatmulMatchesTheDenseProductForwardAndBackward() throws {
        let (n, k) = (70, 64)
        for type in [BlockType.q8_0, .q4_1] {
            let blocks = quantize(values(n * k, seed: 5), rows: n, columns: k, type: type)
            try blocks.withUnsafeBytes { bp in
                let q = try QuantizedMatrix(type: type, rows: n, columns: k, bytes: bp, owner: nil)
                let dense = Tensor.empty([n, k])
                q.dequantize(rows: 0..<n, into: dense.pointer)
                for m in [3, QuantizedMatrix.sgemmRows + 5] {
                    // Whole, and 16-row slices (70 = 4 × 16 + 6: the last slice is short).
                    for slice in [Tensor.quantizedSliceFloats, 16 * k] {
                        let upstream = Tensor(shape: [1, m, n], values: values(m * n, seed: 9))
                        let x = Tensor(shape: [1, m, k], values: values(m * k, seed: UInt64(m)), requiresGrad: true)
                        let y = Tensor.matmul(x, quantized: q, sliceFloats: slice)  // (1, m, n)
                        y.backward(upstream)
                        let xd = Tensor(shape: [1, m, k], values: x.scalars, requiresGrad: true)
                        let yd = Tensor.matmul(xd, dense, transposeB: true)
                        yd.backward(upstream)
                        XCTAssertEqual(y.shape, [1, m, n])
                        let what = "\(type) m \(m) slice \(slice)"
                        for (a, b) in zip(y.scalars, yd.scalars) { XCTAssertEqual(a, b, accuracy: 1e-4 * (1 + abs(b)), what) }
                        let (g, gd) = (try XCTUnwrap(x.grad).scalars, try XCTUnwrap(xd.grad).scalars)
                        for (a, b) in zip(g, gd) { XCTAssertEqual(a, b, accuracy: 1e-4 * (1 + abs(b)), what) }
                    }
                }
                let x = Tensor(shape: [2, k], values: values(2 * k, seed: 11), requiresGrad: true)
                XCTAssertTrue(GradientCheck.mismatches([x]) { Tensor.matmul($0[0], quantized: q, sliceFloats: 16 * k) }.isEmpty, "\(type)")
                // The frozen embedding: rows dequantised, no gradient.
                let rows = Tensor.embedding(q, ids: [4, 0, 69], shape: [3])
                XCTAssertEqual(rows.shape, [3, k])
                XCTAssertEqual(Array(rows.scalars[..<k]), Array(dense.scalars[(4 * k)..<(5 * k)]))
                XCTAssertEqual(Array(rows.scalars[(2 * k)...]), Array(dense.scalars[(69 * k)...]))
                XCTAssertFalse(rows.requiresGrad)
            }
        }
    }

    func testLayoutErrorsAreReported() throws {
        let bytes = [UInt8](repeating: 0, count: 40)
        try bytes.withUnsafeBytes { bp in
            XCTAssertThrowsError(try QuantizedMatrix(type: .q4_1, rows: 1, columns: 48, bytes: bp, owner: nil)) {
                XCTAssertTrue("\($0)".contains("multiple of 32"), "\($0)")
            }
            XCTAssertThrowsError(try QuantizedMatrix(type: .q8_0, rows: 2, columns: 32, bytes: bp, owner: nil)) {
                XCTAssertTrue("\($0)".contains("68 bytes"), "\($0)")
            }
            XCTAssertNoThrow(try QuantizedMatrix(type: .q4_1, rows: 2, columns: 32, bytes: bp, owner: nil))
        }
    }
}
