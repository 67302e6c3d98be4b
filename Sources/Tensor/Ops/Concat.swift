/// Joining and cutting along an axis. Each tensor is seen as (outer, size·inner): the
/// axis and everything after it form one contiguous block per outer index, so every
/// piece moves with block copies.
extension Tensor {
    /// The tensors joined along `axis`; all other axes must agree.
    public static func concat(_ tensors: [Tensor], axis: Int) -> Tensor {
        precondition(!tensors.isEmpty, "concat of no tensors")
        let first = tensors[0]
        let ax = first.axis(axis)
        for t in tensors {
            precondition(t.rank == first.rank && (0..<first.rank).allSatisfy { $0 == ax || t.shape[$0] == first.shape[$0] },
                         "concat along axis \(axis): shapes \(tensors.map(\.shape)) differ off that axis")
        }
        if tensors.count == 1 { return first }
        let outer = first.shape[..<ax].reduce(1, *)
        let inner = first.shape[(ax + 1)...].reduce(1, *)
        let blocks = tensors.map { $0.shape[ax] * inner }  // floats per outer index, per input
        let outBlock = blocks.reduce(0, +)
        var outShape = first.shape
        outShape[ax] = tensors.reduce(0) { $0 + $1.shape[ax] }
        let out = Tensor.empty(outShape)
        let dst = out.pointer
        let sources = tensors.map { UnsafePointer($0.pointer) }
        Parallel.forEach(outer, workPerItem: outBlock) { range in
            for o in range {
                var at = o * outBlock
                for (i, src) in sources.enumerated() {
                    (dst + at).update(from: src + o * blocks[i], count: blocks[i])
                    at += blocks[i]
                }
            }
        }
        return record(out, op: "concat", inputs: tensors) { g, _ in
            var start = 0
            for (i, t) in tensors.enumerated() {
                if t.requiresGrad {
                    t.accumulateGrad(copyBlocks(g.pointer, outer: outer, sourceBlock: outBlock,
                                                start: start, block: blocks[i], shape: t.shape), owned: true)
                }
                start += blocks[i]
            }
        }
    }

    /// Pieces of the given sizes along `axis` (they must add up to its size).
    public func split(_ sizes: [Int], axis: Int) -> [Tensor] {
        let ax = self.axis(axis)
        precondition(sizes.reduce(0, +) == shape[ax] && sizes.allSatisfy { $0 >= 0 },
                     "split sizes \(sizes) do not add up to axis \(axis) of \(shape)")
        var start = 0
        return sizes.map { size in
            defer { start += size }
            return sliced(axis: ax, range: start..<(start + size))
        }
    }

    /// The entries `range` along `axis` (a copy).
    public func sliced(axis: Int, range: Range<Int>) -> Tensor {
        let ax = self.axis(axis)
        precondition(range.lowerBound >= 0 && range.upperBound <= shape[ax],
                     "slice \(range) out of bounds for axis \(axis) of \(shape)")
        if range == 0..<shape[ax] { return self }
        let outer = shape[..<ax].reduce(1, *)
        let inner = shape[(ax + 1)...].reduce(1, *)
        var outShape = shape
        outShape[ax] = range.count
        let fullBlock = shape[ax] * inner, block = range.count * inner, start = range.lowerBound * inner
        let out = Tensor.copyBlocks(pointer, outer: outer, sourceBlock: fullBlock, start: start,
                                    block: block, shape: outShape)
        return Tensor.record(out, op: "slice", inputs: [self]) { g, _ in
            guard self.requiresGrad else { return }
            // Zeros outside the slice, the gradient inside it.
            let dx = Tensor.zeros(self.shape)
            let src = g.pointer, dst = dx.pointer
            Parallel.forEach(outer, workPerItem: block) { range in
                for o in range { (dst + o * fullBlock + start).update(from: src + o * block, count: block) }
            }
            self.accumulateGrad(dx, owned: true)
        }
    }

    /// For each of `outer` blocks of `sourceBlock` floats, copies `block` floats from
    /// offset `start` into a new tensor of `shape`.
    static func copyBlocks(_ src: UnsafePointer<Float>, outer: Int, sourceBlock: Int, start: Int,
                           block: Int, shape: [Int]) -> Tensor {
        let out = Tensor.empty(shape)
        let dst = out.pointer
        Parallel.forEach(outer, workPerItem: block) { range in
            for o in range { (dst + o * block).update(from: src + o * sourceBlock + start, count: block) }
        }
        return out
    }
}
