import XCTest
import Tensor

/// The fused attention against a plain Double-precision reference, and its gradients
/// against finite differences.
final class AttentionTests: XCTestCase {
    /// softmax(scale·QKᵀ + bias, masked)·V computed element by element in Double.
    private func reference(q: Tensor, k: Tensor, v: Tensor, mask: AttentionMask, scale: Double,
                           keyCount: Int? = nil) -> (out: [Double], probs: [Double]) {
        let (b, h, tq, d) = (q.shape[0], q.shape[1], q.shape[2], q.shape[3])
        let cap = k.shape[2], tk = keyCount ?? cap, dv = v.shape[3]
        var out = [Double](repeating: 0, count: b * h * tq * dv)
        var probs = [Double](repeating: 0, count: b * h * tq * tk)
        for bi in 0..<b {
            for hi in 0..<h {
                let pair = bi * h + hi
                for i in 0..<tq {
                    var scores = [Double](repeating: -.infinity, count: tk)
                    for j in 0..<tk {
                        if mask.causal && j > i + tk - tq { continue }
                        if let lengths = mask.keyLengths, j >= lengths[bi] { continue }
                        if let keyMask = mask.keyMask, !keyMask[bi * tk + j] { continue }
                        var s = 0.0
                        for x in 0..<d { s += Double(q.pointer[(pair * tq + i) * d + x]) * Double(k.pointer[(pair * cap + j) * d + x]) }
                        s *= scale
                        if let bias = mask.bias {
                            // Broadcast by hand: rank-2 (Tq, Tk) or rank-4 with 1s.
                            let s4 = [Int](repeating: 1, count: 4 - bias.rank) + bias.shape
                            let idx = ((s4[0] == 1 ? 0 : bi) * s4[1] + (s4[1] == 1 ? 0 : hi)) * tq * tk + i * tk + j
                            s += Double(bias.pointer[idx])
                        }
                        scores[j] = s
                    }
                    let m = scores.max() ?? -.infinity
                    guard m > -.infinity else { continue }
                    let e = scores.map { exp($0 - m) }
                    let total = e.reduce(0, +)
                    for j in 0..<tk {
                        let p = e[j] / total
                        probs[(pair * tq + i) * tk + j] = p
                        for x in 0..<dv { out[(pair * tq + i) * dv + x] += p * Double(v.pointer[(pair * cap + j) * dv + x]) }
                    }
                }
            }
        }
        return (out, probs)
    }

    private func assertClose(_ a: [Float], _ b: [Double], tol: Double = 1e-5, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, file: file, line: line)
        let worst = zip(a, b).map { abs(Double($0) - $1) }.max() ?? 0
        XCTAssertLessThan(worst, tol, "max abs error", file: file, line: line)
    }

    private let masks: [(String, AttentionMask)] = [
        ("none", .none),
        ("causal", .causal),
        ("padding", .padding([3, 5])),
        ("causal+padding", AttentionMask(causal: true, keyLengths: [5, 2])),
        ("padding with an empty row", .padding([0, 4])),
    ]

    /// A key mask with holes in the middle, for Tk keys.
    private func keyMask(tk: Int) -> [Bool] {
        (0..<(2 * tk)).map { i in i % tk != 1 && i != tk + 2 }
    }

    func testValuesMatchReference() {
        for (tq, tk) in [(5, 5), (2, 5), (1, 5)] {
            let q = randomTensor([2, 3, tq, 4], seed: 1), k = randomTensor([2, 3, tk, 4], seed: 2)
            let v = randomTensor([2, 3, tk, 6], seed: 3)
            for (name, mask) in masks + [("key mask", AttentionMask(causal: true, keyMask: keyMask(tk: tk)))] {
                let (out, w) = Tensor.attention(q: q, k: k, v: v, mask: mask, keepWeights: true)
                let ref = reference(q: q, k: k, v: v, mask: mask, scale: 0.5)
                XCTAssertEqual(out.shape, [2, 3, tq, 6])
                XCTAssertEqual(w?.shape, [2, 3, tq, tk])
                assertClose(out.scalars, ref.out)
                assertClose(w!.scalars, ref.probs)
                XCTAssertFalse(w!.requiresGrad, name)
            }
        }
    }

    func testBiasAndScaleMatchReference() {
        let q = randomTensor([2, 2, 3, 4], seed: 4), k = randomTensor([2, 2, 4, 4], seed: 5)
        let v = randomTensor([2, 2, 4, 3], seed: 6)
        for biasShape in [[3, 4], [2, 1, 3, 4], [1, 2, 3, 4], [2, 2, 3, 4]] {
            let bias = randomTensor(biasShape, seed: 7)
            let mask = AttentionMask(causal: true, bias: bias)
            let out = Tensor.attention(q: q, k: k, v: v, mask: mask, scale: 0.3).out
            assertClose(out.scalars, reference(q: q, k: k, v: v, mask: mask, scale: 0.3).out)
        }
    }

    func testCausalQueriesAlignToTheEndOfTheKeys() {
        // The last query of a causal (Tq < Tk) call sees every key: it equals full attention.
        let q = randomTensor([1, 1, 2, 4], seed: 8), k = randomTensor([1, 1, 6, 4], seed: 9)
        let v = randomTensor([1, 1, 6, 4], seed: 10)
        let causal = Tensor.attention(q: q, k: k, v: v, mask: .causal).out.scalars
        let full = Tensor.attention(q: q, k: k, v: v).out.scalars
        XCTAssertEqual(Array(causal[4..<8]), Array(full[4..<8]))
        XCTAssertNotEqual(Array(causal[0..<4]), Array(full[0..<4]))
    }

    func testKeyCountReadsOnlyTheFilledRowsOfABuffer() {
        let q = randomTensor([2, 2, 1, 4], seed: 11)
        let k = randomTensor([2, 2, 7, 4], seed: 12), v = randomTensor([2, 2, 7, 4], seed: 13)
        let out = Tensor.attention(q: q, k: k, v: v, mask: .causal, keyCount: 3).out
        assertClose(out.scalars, reference(q: q, k: k, v: v, mask: .causal, scale: 0.5, keyCount: 3).out)
    }

    func testGradients() {
        for (tq, tk) in [(4, 4), (2, 5)] {
            for (name, mask) in masks + [("key mask", AttentionMask(keyLengths: [4, 3], keyMask: keyMask(tk: tk)))] {
                let q = randomTensor([2, 2, tq, 3], seed: 20), k = randomTensor([2, 2, tk, 3], seed: 21)
                let v = randomTensor([2, 2, tk, 2], seed: 22)
                let bad = GradientCheck.mismatches([q, k, v]) {
                    Tensor.attention(q: $0[0], k: $0[1], v: $0[2], mask: mask).out
                }
                XCTAssert(bad.isEmpty, "\(name) \(tq)x\(tk): \(bad.prefix(3))")
            }
        }
    }

    func testGradientsWithBias() {
        let q = randomTensor([2, 2, 3, 3], seed: 30), k = randomTensor([2, 2, 5, 3], seed: 31)
        let v = randomTensor([2, 2, 5, 2], seed: 32)
        for biasShape in [[3, 5], [2, 1, 3, 5], [2, 2, 3, 5]] {
            let bias = randomTensor(biasShape, seed: 33)
            assertGradientsMatch([q, k, v, bias]) {
                Tensor.attention(q: $0[0], k: $0[1], v: $0[2],
                                 mask: AttentionMask(causal: true, keyLengths: [5, 4], bias: $0[3]), scale: 0.7).out
            }
        }
    }

    func testCausalRowBlocksOnLongSequences() {
        // Past 64 queries causal attention works block by block; each block sees only its keys.
        for (tq, tk, lengths) in [(70, 70, nil), (66, 80, [80, 50] as [Int]?)] {
            let q = randomTensor([2, 1, tq, 2], seed: 50), k = randomTensor([2, 1, tk, 2], seed: 51)
            let v = randomTensor([2, 1, tk, 2], seed: 52)
            let mask = AttentionMask(causal: true, keyLengths: lengths)
            let (out, w) = Tensor.attention(q: q, k: k, v: v, mask: mask, keepWeights: true)
            let ref = reference(q: q, k: k, v: v, mask: mask, scale: 1 / 2.0.squareRoot())
            assertClose(out.scalars, ref.out)
            assertClose(w!.scalars, ref.probs)
            if lengths != nil {  // one finite-difference pass is enough (and they are slow here)
                assertGradientsMatch([q, k, v]) { Tensor.attention(q: $0[0], k: $0[1], v: $0[2], mask: mask).out }
            }
        }
    }

    func testRecomputedProbabilitiesGiveTheKeptOnesGradients() {
        // Causal past one row block, padding, a key mask with holes and grouped queries: the
        // backward pass that recomputes P must give the gradients of the one that kept it.
        let tq = 70, tk = 75
        let masks = [AttentionMask(causal: true, keyLengths: [75, 40]), AttentionMask(keyMask: keyMask(tk: tk)),
                     AttentionMask(causal: true, keyMask: keyMask(tk: tk))]
        for mask in masks {
            var grads: [[[Float]]] = []
            for recompute in [false, true] {
                let q = randomTensor([2, 4, tq, 3], seed: 60), k = randomTensor([2, 2, tk, 3], seed: 61)
                let v = randomTensor([2, 2, tk, 5], seed: 62), g = randomTensor([2, 4, tq, 5], seed: 63)
                let out = Tensor.attention(q: q, k: k, v: v, mask: mask, recompute: recompute).out
                out.backward(g)
                grads.append([q.grad!.scalars, k.grad!.scalars, v.grad!.scalars])
            }
            for (kept, recomputed) in zip(grads[0], grads[1]) {
                let worst = zip(kept, recomputed).map { abs($0 - $1) }.max() ?? 0
                XCTAssertLessThan(worst, 1e-6, "causal \(mask.causal)")
                XCTAssertGreaterThan(recomputed.map(abs).max() ?? 0, 1e-3, "a gradient that is all zeros checks nothing")
            }
        }
        // And against finite differences on their own, grouped and padded.
        let q = randomTensor([2, 2, 4, 3], seed: 64), k = randomTensor([2, 1, 5, 3], seed: 65)
        let v = randomTensor([2, 1, 5, 2], seed: 66)
        let mask = AttentionMask(causal: true, keyLengths: [5, 3])
        assertGradientsMatch([q, k, v]) {
            Tensor.attention(q: $0[0], k: $0[1], v: $0[2], mask: mask, recompute: true).out
        }
    }

    func testLargeBatchSplitsOverCoresAndAgrees() {
        // Enough (batch, head) pairs and work to cross Parallel's threshold.
        let q = randomTensor([4, 4, 32, 16], seed: 40), k = randomTensor([4, 4, 32, 16], seed: 41)
        let v = randomTensor([4, 4, 32, 16], seed: 42)
        let out = Tensor.attention(q: q, k: k, v: v, mask: .causal).out
        assertClose(out.scalars, reference(q: q, k: k, v: v, mask: .causal, scale: 0.25).out)
        out.backward(Tensor.ones(out.shape))
        XCTAssertNotNil(q.grad)
        // dV = Pᵀ·1 and every row of P sums to 1, so dV totals Tq·Dv per (batch, head).
        let dvTotal = v.grad!.scalars.reduce(0.0) { $0 + Double($1) }
        XCTAssertEqual(dvTotal, Double(4 * 4 * 32 * 16), accuracy: 0.1)
    }
}
