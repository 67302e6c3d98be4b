/// Elementwise arithmetic with broadcasting. Each op's backward sits beside its forward.
extension Tensor {
    public static func + (a: Tensor, b: Tensor) -> Tensor {
        let out = arithmetic(a, b, .add)
        return record(out, op: "add", inputs: [a, b]) { g, _ in
            a.accumulateGrad(sumToShape(g, a.shape))
            b.accumulateGrad(sumToShape(g, b.shape))
        }
    }

    public static func - (a: Tensor, b: Tensor) -> Tensor {
        let out = arithmetic(a, b, .sub)
        return record(out, op: "sub", inputs: [a, b]) { g, _ in
            a.accumulateGrad(sumToShape(g, a.shape))
            if b.requiresGrad { b.accumulateGrad(sumToShape(g.mapped { -$0 }, b.shape), owned: true) }
        }
    }

    public static func * (a: Tensor, b: Tensor) -> Tensor {
        let out = arithmetic(a, b, .mul)
        return record(out, op: "mul", inputs: [a, b]) { g, _ in
            if a.requiresGrad { a.accumulateGrad(sumToShape(broadcastBinary(g, b) { $0 * $1 }, a.shape), owned: true) }
            if b.requiresGrad { b.accumulateGrad(sumToShape(broadcastBinary(g, a) { $0 * $1 }, b.shape), owned: true) }
        }
    }

    public static func / (a: Tensor, b: Tensor) -> Tensor {
        let out = arithmetic(a, b, .div)
        return record(out, op: "div", inputs: [a, b]) { g, _ in
            if a.requiresGrad { a.accumulateGrad(sumToShape(broadcastBinary(g, b) { $0 / $1 }, a.shape), owned: true) }
            if b.requiresGrad {
                // d(a/b)/db = -a/b²
                let ab2 = broadcastBinary(a, broadcastBinary(b, b) { $0 * $1 }) { $0 / $1 }
                b.accumulateGrad(sumToShape(broadcastBinary(g, ab2, { -$0 * $1 }), b.shape), owned: true)
            }
        }
    }

    enum Arithmetic { case add, sub, mul, div }

    /// a op b, no tape. Same shapes, a scalar b and a trailing b (a bias) run loops written
    /// per operator, which vectorise; `broadcastBinary`'s closure reached its loops as a
    /// call per element (~5% of an encoder pass in its residual adds). The rest broadcasts.
    static func arithmetic(_ a: Tensor, _ b: Tensor, _ op: Arithmetic) -> Tensor {
        let inner: Int
        if a.shape == b.shape {
            inner = a.count
        } else if b.rank <= a.rank && (b.count == 1 || (b.count > 0 && Array(a.shape.suffix(b.rank)) == b.shape)) {
            inner = b.count
        } else {
            switch op {
            case .add: return broadcastBinary(a, b) { $0 + $1 }
            case .sub: return broadcastBinary(a, b) { $0 - $1 }
            case .mul: return broadcastBinary(a, b) { $0 * $1 }
            case .div: return broadcastBinary(a, b) { $0 / $1 }
            }
        }
        let out = Tensor.empty(a.shape)
        guard out.count > 0 else { return out }
        let pa = a.pointer, pb = b.pointer, po = out.pointer
        // Elements [lo, hi) of a, whose b index is i mod inner.
        Parallel.forEach(a.count, workPerItem: 2) { range in
            var i = range.lowerBound
            while i < range.upperBound {
                let j0 = i % inner, n = Swift.min(range.upperBound - i, inner - j0)
                let x = pa + i, y = pb + j0, z = po + i
                switch op {
                case .add: for j in 0..<n { z[j] = x[j] + y[j] }
                case .sub: for j in 0..<n { z[j] = x[j] - y[j] }
                case .mul: for j in 0..<n { z[j] = x[j] * y[j] }
                case .div: for j in 0..<n { z[j] = x[j] / y[j] }
                }
                i += n
            }
        }
        return out
    }

    /// `f` applied elementwise, no tape: a building block for backward passes.
    public func mapped(_ f: (Float) -> Float) -> Tensor {
        let out = Tensor.empty(shape)
        let src = pointer, dst = out.pointer
        for i in 0..<count { dst[i] = f(src[i]) }
        return out
    }

    /// `f(a, b)` with broadcasting, no tape. Fast paths for equal shapes, a scalar `b`,
    /// and `b` matching `a`'s trailing axes (a bias); the general case walks rows with
    /// strided inner loops. Inlined so each caller's `f` is compiled into the loops.
    @inline(__always)
    public static func broadcastBinary(_ a: Tensor, _ b: Tensor, _ f: (Float, Float) -> Float) -> Tensor {
        let pa = a.pointer, pb = b.pointer
        if a.shape == b.shape {
            let out = Tensor.empty(a.shape), po = out.pointer
            Parallel.forEach(a.count, workPerItem: 2) { range in
                for i in range { po[i] = f(pa[i], pb[i]) }
            }
            return out
        }
        let shape = Broadcast.shape(a.shape, b.shape)
        let out = Tensor.empty(shape), po = out.pointer
        guard out.count > 0 else { return out }
        if shape == a.shape && b.count == 1 {
            let s = pb[0]
            Parallel.forEach(a.count, workPerItem: 2) { range in
                for i in range { po[i] = f(pa[i], s) }
            }
        } else if shape == a.shape && b.count > 0 && Array(a.shape.suffix(b.rank)) == b.shape {
            let inner = b.count
            Parallel.forEach(a.count / inner, workPerItem: 2 * inner) { rows in
                for row in rows {
                    let base = row * inner
                    for j in 0..<inner { po[base + j] = f(pa[base + j], pb[j]) }
                }
            }
        } else {
            let sa = Broadcast.strides(of: a.shape, in: shape), sb = Broadcast.strides(of: b.shape, in: shape)
            let inner = shape.last!, ia = sa.last!, ib = sb.last!
            let outer = Array(shape.dropLast()), oa = Array(sa.dropLast()), ob = Array(sb.dropLast())
            Parallel.forEach(out.count / inner, workPerItem: 2 * inner) { rows in
                StridedRows.forEach(outer: outer, stridesA: oa, stridesB: ob, rows: rows) { row, offA, offB in
                    let o = po + row * inner, ra = pa + offA, rb = pb + offB
                    for j in 0..<inner { o[j] = f(ra[j * ia], rb[j * ib]) }
                }
            }
        }
        return out
    }
}
