/// NumPy broadcasting: shapes align at the right; a 1 (or a missing axis) stretches.
public enum Broadcast {
    public static func shape(_ a: [Int], _ b: [Int]) -> [Int] {
        let rank = max(a.count, b.count)
        return (0..<rank).map { i -> Int in
            let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            precondition(da == db || da == 1 || db == 1, "shapes \(a) and \(b) do not broadcast")
            return da == 1 ? db : da
        }
    }

    /// Element strides of `shape` read as `target` (0 along stretched axes).
    public static func strides(of shape: [Int], in target: [Int]) -> [Int] {
        let offset = target.count - shape.count
        var strides = [Int](repeating: 0, count: target.count)
        var running = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[i + offset] = shape[i] == 1 ? 0 : running
            running *= shape[i]
        }
        return strides
    }
}

extension Tensor {
    /// Sums a broadcast gradient back down to `shape` (the inverse of broadcasting).
    public static func sumToShape(_ g: Tensor, _ shape: [Int]) -> Tensor {
        if g.shape == shape { return g }
        let out = Tensor.zeros(shape)
        guard g.count > 0 else { return out }
        // Rows of g in order, each added into `out` at its broadcast offset: the same
        // additions in the same order as an element-by-element walk, so identical sums.
        let strides = Broadcast.strides(of: shape, in: g.shape)
        let inner = g.shape.last!, innerStride = strides.last!
        let outer = Array(g.shape.dropLast()), outerStrides = Array(strides.dropLast())
        let src = g.pointer, dst = out.pointer
        StridedRows.forEach(outer: outer, stridesA: outerStrides, stridesB: outerStrides,
                            rows: 0..<(g.count / inner)) { row, offset, _ in
            let s = src + row * inner, d = dst + offset
            if innerStride == 0 {
                var acc = d[0]
                for j in 0..<inner { acc += s[j] }
                d[0] = acc
            } else {
                for j in 0..<inner { d[j] += s[j] }
            }
        }
        return out
    }

    /// Visits every element of `shape` in row-major order, handing a closure that maps
    /// strides to the element's offset. The general (slow) path; ops add fast paths.
    static func forEachIndex(_ shape: [Int], _ body: (Int, ([Int]) -> Int) -> Void) {
        let count = shape.reduce(1, *)
        guard count > 0 else { return }
        var index = [Int](repeating: 0, count: shape.count)
        for linear in 0..<count {
            body(linear) { strides in
                var o = 0
                for d in 0..<index.count { o += index[d] * strides[d] }
                return o
            }
            var d = shape.count - 1
            while d >= 0 {
                index[d] += 1
                if index[d] < shape[d] { break }
                index[d] = 0
                d -= 1
            }
        }
    }
}
