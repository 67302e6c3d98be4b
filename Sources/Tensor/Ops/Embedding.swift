/// Row gather from an embedding table; the backward scatter-adds rows (ids may repeat).
extension Tensor {
    /// Rows `ids` of `table` (V, D), shaped `shape + [D]`; `shape` must hold ids.count.
    public static func embedding(_ table: Tensor, ids: [Int32], shape: [Int]) -> Tensor {
        precondition(table.rank == 2, "embedding table must be (V, D), got \(table.shape)")
        precondition(shape.reduce(1, *) == ids.count, "embedding: \(ids.count) ids do not fill shape \(shape)")
        let vocab = table.shape[0], d = table.shape[1]
        if let bad = ids.firstIndex(where: { $0 < 0 || Int($0) >= vocab }) {
            preconditionFailure("embedding: id \(ids[bad]) at position \(bad) outside vocabulary of \(vocab)")
        }
        let out = Tensor.empty(shape + [d])
        let src = table.pointer, dst = out.pointer
        ids.withUnsafeBufferPointer { idp in
            Parallel.forEach(ids.count, workPerItem: d) { range in
                for i in range { (dst + i * d).update(from: src + Int(idp[i]) * d, count: d) }
            }
        }
        return record(out, op: "embedding", inputs: [table]) { g, _ in
            guard table.requiresGrad else { return }
            // Serial: repeated ids add into the same row.
            let dt = Tensor.zeros(table.shape)
            let gp = g.pointer, dp = dt.pointer
            for (i, id) in ids.enumerated() {
                let row = dp + Int(id) * d, src = gp + i * d
                for j in 0..<d { row[j] += src[j] }
            }
            table.accumulateGrad(dt, owned: true)
        }
    }
}
