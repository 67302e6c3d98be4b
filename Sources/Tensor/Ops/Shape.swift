/// Shape ops: views (reshape, unsqueeze, squeeze) share storage; permutation and
/// expansion copy into a new contiguous tensor, since every kernel reads contiguous input.
extension Tensor {
    /// The same values under a new shape (one entry may be −1, inferred). Shares storage.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var resolved = newShape
        if let hole = newShape.firstIndex(of: -1) {
            precondition(newShape.filter { $0 == -1 }.count == 1, "reshape \(shape) → \(newShape): more than one −1")
            let known = newShape.enumerated().reduce(1) { $1.offset == hole ? $0 : $0 * $1.element }
            precondition(known > 0 && count % known == 0, "reshape \(shape) → \(newShape): \(count) values do not divide")
            resolved[hole] = count / known
        }
        precondition(resolved.reduce(1, *) == count, "reshape \(shape) → \(newShape): sizes differ")
        if resolved == shape { return self }
        let out = Tensor(shape: resolved, storage: storage)
        return Tensor.record(out, op: "reshape", inputs: [self]) { g, _ in
            // Same element order: the gradient needs no rearranging, only the input's shape.
            self.accumulateGrad(g)
        }
    }

    /// A size-1 axis inserted at `axis` (0...rank; negative counts from the end as in
    /// PyTorch, −1 appends). Shares storage.
    public func unsqueezed(_ axis: Int) -> Tensor {
        let a = axis < 0 ? axis + rank + 1 : axis
        precondition(a >= 0 && a <= rank, "unsqueeze axis \(axis) out of range for \(shape)")
        var s = shape
        s.insert(1, at: a)
        return reshaped(s)
    }

    /// The size-1 axis `axis` removed. Shares storage.
    public func squeezed(_ axis: Int) -> Tensor {
        let a = self.axis(axis)
        precondition(shape[a] == 1, "squeeze axis \(axis) of \(shape) has size \(shape[a]), not 1")
        var s = shape
        s.remove(at: a)
        return reshaped(s)
    }

    /// Axes reordered: result axis i is input axis `order[i]` (as `torch.permute`).
    public func permuted(_ order: [Int]) -> Tensor {
        precondition(order.count == rank && Set(order.map { axis($0) }).count == rank,
                     "permutation \(order) does not fit shape \(shape)")
        let perm = order.map { axis($0) }
        if perm == Array(0..<rank) { return self }
        let out = Tensor.permute(self, perm)
        return Tensor.record(out, op: "permute", inputs: [self]) { g, _ in
            guard self.requiresGrad else { return }
            var inverse = [Int](repeating: 0, count: perm.count)
            for (i, p) in perm.enumerated() { inverse[p] = i }
            self.accumulateGrad(Tensor.permute(g, inverse), owned: true)
        }
    }

    /// Axes `a` and `b` swapped (a copy).
    public func transposed(_ a: Int, _ b: Int) -> Tensor {
        var order = Array(0..<rank)
        order.swapAt(axis(a), axis(b))
        return permuted(order)
    }

    /// Broadcast to `target` (NumPy rules) as a contiguous copy; the gradient sums back.
    public func expanded(to target: [Int]) -> Tensor {
        precondition(Broadcast.shape(shape, target) == target, "cannot expand \(shape) to \(target)")
        if target == shape { return self }
        let out = Tensor.empty(target)
        let strides = Broadcast.strides(of: shape, in: target)
        let inner = target.last ?? 1, innerStride = strides.last ?? 0
        let outer = Array(target.dropLast()), outerStrides = Array(strides.dropLast())
        let src = pointer, dst = out.pointer
        Parallel.forEach(out.count / Swift.max(inner, 1), workPerItem: inner) { rows in
            StridedRows.forEach(outer: outer, stridesA: outerStrides, stridesB: outerStrides, rows: rows) { row, a, _ in
                let o = dst + row * inner, s = src + a
                if innerStride == 0 {
                    let v = s[0]
                    for j in 0..<inner { o[j] = v }
                } else {
                    for j in 0..<inner { o[j] = s[j] }
                }
            }
        }
        return Tensor.record(out, op: "expand", inputs: [self]) { g, _ in
            self.accumulateGrad(Tensor.sumToShape(g, self.shape), owned: true)
        }
    }

    /// Untaped permutation copy: the forward of `permuted` and its own backward.
    static func permute(_ x: Tensor, _ perm: [Int]) -> Tensor {
        let inStrides = StridedRows.contiguousStrides(x.shape)
        let outShape = perm.map { x.shape[$0] }
        let srcStrides = perm.map { inStrides[$0] }
        let out = Tensor.empty(outShape)
        guard out.count > 0 else { return out }
        let inner = outShape.last!, innerStride = srcStrides.last!
        let outer = Array(outShape.dropLast()), outerStrides = Array(srcStrides.dropLast())
        let src = x.pointer, dst = out.pointer
        Parallel.forEach(out.count / inner, workPerItem: inner) { rows in
            StridedRows.forEach(outer: outer, stridesA: outerStrides, stridesB: outerStrides, rows: rows) { row, a, _ in
                let o = dst + row * inner, s = src + a
                if innerStride == 1 {
                    o.update(from: s, count: inner)
                } else {
                    for j in 0..<inner { o[j] = s[j * innerStride] }
                }
            }
        }
        return out
    }
}
