/// Rows split into one chunk per core with the chunk's index, for kernels that keep a
/// per-chunk partial (norm weight gradients) and add the partials afterwards, in chunk
/// order, so results do not depend on thread timing.
enum RowChunks {
    /// Number of chunks `forEach` will use for `rows` rows of `workPerRow` operations.
    static func count(rows: Int, workPerRow: Int) -> Int {
        rows * workPerRow < Parallel.minimumWork ? 1 : Swift.max(1, Swift.min(Parallel.cores, rows))
    }

    /// Calls `body(chunk, rows)` for chunks 0..<count(rows:workPerRow:).
    static func forEach(rows: Int, workPerRow: Int, _ body: (_ chunk: Int, _ rows: Range<Int>) -> Void) {
        let chunks = count(rows: rows, workPerRow: workPerRow)
        Parallel.forEach(chunks, workPerItem: rows / chunks * workPerRow) { range in
            for c in range { body(c, (rows * c / chunks)..<(rows * (c + 1) / chunks)) }
        }
    }
}
