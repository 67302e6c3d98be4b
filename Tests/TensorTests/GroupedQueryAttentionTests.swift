import XCTest
import Tensor

/// Grouped-query attention (k, v with fewer heads than q) against plain multi-head attention
/// on keys repeated per query head, and its gradients against finite differences.
final class GroupedQueryAttentionTests: XCTestCase {
    /// (B, Hk, T, D) → (B, Hk·group, T, D): key head j serves query heads j·group..<(j+1)·group.
    private func repeatHeads(_ x: Tensor, group: Int) -> Tensor {
        let (b, hk, t, d) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let out = Tensor.empty([b, hk * group, t, d])
        for bi in 0..<b {
            for h in 0..<(hk * group) {
                (out.pointer + (bi * hk * group + h) * t * d).update(from: x.pointer + (bi * hk + h / group) * t * d, count: t * d)
            }
        }
        return out
    }

    func testEqualsMultiHeadAttentionOnRepeatedKeys() {
        let masks: [AttentionMask] = [.none, .causal, .padding([5, 3]), AttentionMask(causal: true, keyLengths: [4, 5])]
        for (hk, group) in [(1, 4), (2, 3), (3, 1)] {
            for mask in masks {
                let q = randomTensor([2, hk * group, 3, 4], seed: 1, requiresGrad: false)
                let k = randomTensor([2, hk, 5, 4], seed: 2, requiresGrad: false)
                let v = randomTensor([2, hk, 5, 3], seed: 3, requiresGrad: false)
                let grouped = Tensor.attention(q: q, k: k, v: v, mask: mask).out
                let plain = Tensor.attention(q: q, k: repeatHeads(k, group: group), v: repeatHeads(v, group: group),
                                             mask: mask).out
                XCTAssertEqual(grouped.shape, [2, hk * group, 3, 3])
                XCTAssertEqual(grouped.scalars, plain.scalars, "hk \(hk) group \(group) \(mask.causal)")
            }
        }
    }

    func testKeyCountOnAGroupedCacheBuffer() {
        let q = randomTensor([1, 4, 1, 4], seed: 4, requiresGrad: false)
        let k = randomTensor([1, 2, 9, 4], seed: 5, requiresGrad: false), v = randomTensor([1, 2, 9, 4], seed: 6, requiresGrad: false)
        let buffered = Tensor.attention(q: q, k: k, v: v, mask: .causal, keyCount: 4).out
        let trimmed = Tensor.attention(q: q, k: k.sliced(axis: 2, range: 0..<4), v: v.sliced(axis: 2, range: 0..<4),
                                       mask: .causal).out
        XCTAssertEqual(buffered.scalars, trimmed.scalars)
    }

    func testGradientsOfGroupedKeysAndValues() {
        for (hk, group, tq, tk) in [(1, 3, 4, 4), (2, 2, 2, 5), (3, 3, 3, 3)] {
            for mask in [AttentionMask.causal, .padding([tk, 2])] {
                let q = randomTensor([2, hk * group, tq, 3], seed: 7), k = randomTensor([2, hk, tk, 3], seed: 8)
                let v = randomTensor([2, hk, tk, 2], seed: 9)
                let bad = GradientCheck.mismatches([q, k, v]) { Tensor.attention(q: $0[0], k: $0[1], v: $0[2], mask: mask).out }
                XCTAssert(bad.isEmpty, "hk \(hk) group \(group): \(bad.prefix(3))")
            }
        }
    }

    /// Enough heads that the backward splits over cores: every query head's share reaches its
    /// key head (the groups are owned by one worker each, so nothing is lost to a race).
    func testBackwardOverManyGroupsEqualsTheRepeatedKeysGradient() {
        let (hk, group) = (4, 3)
        let q = randomTensor([3, hk * group, 40, 16], seed: 10)
        let k = randomTensor([3, hk, 40, 16], seed: 11), v = randomTensor([3, hk, 40, 16], seed: 12)
        let weights = randomTensor([3, hk * group, 40, 16], seed: 13, requiresGrad: false)
        (Tensor.attention(q: q, k: k, v: v, mask: .causal).out * weights).sum().backward()
        let kr = repeatHeads(k, group: group), vr = repeatHeads(v, group: group)
        kr.requiresGrad = true
        vr.requiresGrad = true
        let q2 = Tensor(shape: q.shape, values: q.scalars, requiresGrad: true)
        (Tensor.attention(q: q2, k: kr, v: vr, mask: .causal).out * weights).sum().backward()
        // Sum the repeated heads' gradients back per key head.
        func summed(_ g: Tensor) -> [Float] {
            let per = 40 * 16
            var out = [Float](repeating: 0, count: 3 * hk * per)
            for b in 0..<3 { for h in 0..<(hk * group) { for i in 0..<per {
                out[(b * hk + h / group) * per + i] += g.pointer[(b * hk * group + h) * per + i]
            } } }
            return out
        }
        for (grouped, repeated) in [(k.grad!, kr.grad!), (v.grad!, vr.grad!)] {
            let worst = zip(grouped.scalars, summed(repeated)).map { abs($0 - $1) }.max() ?? 0
            XCTAssertLessThan(worst, 1e-4)
        }
        XCTAssertEqual(q.grad!.scalars, q2.grad!.scalars)
    }
}
