/// Walks the rows (all axes but the last) of a row-major result, tracking where each row
/// starts in up to two strided sources: the general path of broadcasting, permutation
/// and broadcast reductions. Per-row work is a few adds, so the inner loop over the
/// last axis stays a plain strided loop the compiler vectorises.
enum StridedRows {
    /// Calls `body(row, offsetA, offsetB)` for each row in `rows`, where `outer` is the
    /// result's shape without its last axis and `stridesA`/`stridesB` are the sources'
    /// element strides along those axes (0 on a broadcast axis).
    @inline(__always)
    static func forEach(outer: [Int], stridesA: [Int], stridesB: [Int], rows: Range<Int>,
                        _ body: (_ row: Int, _ a: Int, _ b: Int) -> Void) {
        guard !rows.isEmpty else { return }
        let rank = outer.count
        if rank == 0 {
            body(0, 0, 0)
            return
        }
        // Decompose the first row into an index, then count upward like an odometer.
        var index = [Int](repeating: 0, count: rank)
        var rest = rows.lowerBound
        var offA = 0, offB = 0
        for d in stride(from: rank - 1, through: 0, by: -1) {
            index[d] = rest % outer[d]
            rest /= outer[d]
            offA += index[d] * stridesA[d]
            offB += index[d] * stridesB[d]
        }
        index.withUnsafeMutableBufferPointer { idx in
            for row in rows {
                body(row, offA, offB)
                var d = rank - 1
                while d >= 0 {
                    idx[d] += 1
                    offA += stridesA[d]
                    offB += stridesB[d]
                    if idx[d] < outer[d] { break }
                    offA -= stridesA[d] * outer[d]
                    offB -= stridesB[d] * outer[d]
                    idx[d] = 0
                    d -= 1
                }
            }
        }
    }

    /// Row-major element strides of `shape`.
    static func contiguousStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var running = 1
        for d in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[d] = running
            running *= shape[d]
        }
        return strides
    }
}
