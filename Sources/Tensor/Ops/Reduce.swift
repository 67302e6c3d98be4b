import Foundation

/// Sums, means and maxima. An axis reduction views the tensor as (outer, n, inner):
/// inner == 1 reduces contiguous rows; otherwise n rows of `inner` floats are added.
extension Tensor {
    /// Σ of all values, as a scalar (shape []).
    public func sum() -> Tensor {
        let out = Tensor.scalar(Tensor.total(pointer, count))
        return Tensor.record(out, op: "sum", inputs: [self]) { g, _ in
            self.accumulateGrad(Tensor.full(self.shape, g.item), owned: true)
        }
    }

    /// Mean of all values, as a scalar.
    public func mean() -> Tensor {
        let n = Float(Swift.max(count, 1))
        let out = Tensor.scalar(Tensor.total(pointer, count) / n)
        return Tensor.record(out, op: "mean", inputs: [self]) { g, _ in
            self.accumulateGrad(Tensor.full(self.shape, g.item / n), owned: true)
        }
    }

    /// Σ along `axis`; the axis is kept with size 1 when `keepDims`.
    public func sum(axis: Int, keepDims: Bool = false) -> Tensor {
        reduce(axis: axis, keepDims: keepDims, scale: 1, op: "sum_axis")
    }

    /// Mean along `axis`.
    public func mean(axis: Int, keepDims: Bool = false) -> Tensor {
        let n = shape[self.axis(axis)]
        return reduce(axis: axis, keepDims: keepDims, scale: 1 / Float(Swift.max(n, 1)), op: "mean_axis")
    }

    /// Largest value along `axis` (no gradient: used for decoding and diagnostics).
    public func max(axis: Int, keepDims: Bool = false) -> Tensor {
        let (outer, n, inner, outShape) = reductionLayout(axis: axis, keepDims: keepDims)
        precondition(n > 0, "max over an empty axis of \(shape)")
        let out = Tensor.empty(outShape)
        let src = pointer, dst = out.pointer
        Parallel.forEach(outer, workPerItem: n * inner) { range in
            for o in range {
                let base = src + o * n * inner, row = dst + o * inner
                if inner == 1 { row[0] = VectorMath.max(base, n); continue }
                row.update(from: base, count: inner)
                for k in 1..<n {
                    let s = base + k * inner
                    for j in 0..<inner { row[j] = Swift.max(row[j], s[j]) }
                }
            }
        }
        return out
    }

    /// Index of the largest value along the last axis, per row (first one on ties).
    public func argmax() -> [Int32] {
        let n = shape.last ?? 1
        precondition(n > 0, "argmax over an empty axis of \(shape)")
        var result = [Int32](repeating: 0, count: count / n)
        let src = pointer
        for r in 0..<result.count {
            let row = src + r * n
            var best = 0
            for j in 1..<n where row[j] > row[best] { best = j }
            result[r] = Int32(best)
        }
        return result
    }

    private func reductionLayout(axis: Int, keepDims: Bool) -> (outer: Int, n: Int, inner: Int, outShape: [Int]) {
        let ax = self.axis(axis)
        var outShape = shape
        if keepDims { outShape[ax] = 1 } else { outShape.remove(at: ax) }
        return (shape[..<ax].reduce(1, *), shape[ax], shape[(ax + 1)...].reduce(1, *), outShape)
    }

    private func reduce(axis: Int, keepDims: Bool, scale: Float, op: String) -> Tensor {
        let (outer, n, inner, outShape) = reductionLayout(axis: axis, keepDims: keepDims)
        let out = Tensor.empty(outShape)
        let src = pointer, dst = out.pointer
        Parallel.forEach(outer, workPerItem: n * inner) { range in
            for o in range {
                let base = src + o * n * inner, row = dst + o * inner
                if inner == 1 { row[0] = VectorMath.sum(base, n) * scale; continue }
                for j in 0..<inner { row[j] = 0 }
                for k in 0..<n {
                    let s = base + k * inner
                    for j in 0..<inner { row[j] += s[j] }
                }
                if scale != 1 { for j in 0..<inner { row[j] *= scale } }
            }
        }
        return Tensor.record(out, op: op, inputs: [self]) { g, _ in
            guard self.requiresGrad else { return }
            // Each reduced value's gradient spreads (scaled) over the n entries it summed.
            let dx = Tensor.empty(self.shape)
            let gp = g.pointer, dp = dx.pointer
            Parallel.forEach(outer, workPerItem: n * inner) { range in
                for o in range {
                    let grow = gp + o * inner, base = dp + o * n * inner
                    for k in 0..<n {
                        let d = base + k * inner
                        for j in 0..<inner { d[j] = grow[j] * scale }
                    }
                }
            }
            self.accumulateGrad(dx, owned: true)
        }
    }

    /// Σ of `n` floats, split over cores for large inputs (chunk partials then added).
    static func total(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        let chunks = n >= 1 << 16 ? Parallel.cores : 1
        guard chunks > 1 else { return VectorMath.sum(p, n) }
        var partials = [Float](repeating: 0, count: chunks)
        partials.withUnsafeMutableBufferPointer { parts in
            let out = parts.baseAddress!
            Parallel.forEach(chunks, workPerItem: n / chunks) { range in
                for c in range {
                    let lo = n * c / chunks, hi = n * (c + 1) / chunks
                    out[c] = VectorMath.sum(p + lo, hi - lo)
                }
            }
        }
        return partials.reduce(0, +)
    }
}
