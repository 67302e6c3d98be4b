import CKernels
import COpenBLAS

/// A (rows, columns) weight kept in its GGML blocks (Q8_0, Q4_0, Q4_1) where they lie —
/// usually a memory-mapped GGUF file, which `owner` keeps open — and multiplied there:
/// y = x · Wᵀ without an f32 copy of W (the QuantGemm.c kernels).
///
/// Few activation rows (decoding: 1 row, or a beam's 10) read each block once and expand it
/// in registers; many rows (prefill) dequantise W into a caller-owned f32 scratch once per
/// call and hand it to sgemm, whose blocked product outruns the row kernels from
/// `sgemmRows` rows on (measured by `userllm bench llm`).
public struct QuantizedMatrix: @unchecked Sendable {
    public enum BlockType: Int32, Sendable, CustomStringConvertible {
        case q4_0 = 2, q4_1 = 3, q8_0 = 8
        public var description: String { self == .q4_0 ? "Q4_0" : self == .q4_1 ? "Q4_1" : "Q8_0" }
        /// Bytes per 32 elements.
        public var blockBytes: Int { ck_quant_block_bytes(rawValue) }
    }

    public let type: BlockType
    public let rows: Int
    public let columns: Int
    public let base: UnsafeRawPointer
    public let rowBytes: Int
    /// Keeps the memory behind `base` alive (the mapped file).
    public let owner: AnyObject?

    /// From this many activation rows on, `multiply` dequantises and calls sgemm.
    public static let sgemmRows = 48

    public enum LayoutError: Error, CustomStringConvertible {
        case columnsNotBlockMultiple(Int)
        case tooFewBytes(needed: Int, got: Int)
        public var description: String {
            switch self {
            case .columnsNotBlockMultiple(let c): return "quantized rows must hold a multiple of 32 elements, got \(c)"
            case .tooFewBytes(let n, let g): return "quantized matrix needs \(n) bytes, got \(g)"
            }
        }
    }

    public init(type: BlockType, rows: Int, columns: Int, bytes: UnsafeRawBufferPointer, owner: AnyObject?) throws {
        guard columns > 0, columns % 32 == 0 else { throw LayoutError.columnsNotBlockMultiple(columns) }
        let rowBytes = columns / 32 * type.blockBytes
        guard bytes.count >= rowBytes * rows, let base = bytes.baseAddress else {
            throw LayoutError.tooFewBytes(needed: rowBytes * rows, got: bytes.count)
        }
        (self.type, self.rows, self.columns, self.base, self.rowBytes, self.owner) = (type, rows, columns, base, rowBytes, owner)
    }

    /// Bytes of the blocks: what one pass over the matrix reads.
    public var byteCount: Int { rows * rowBytes }

    /// Row `row` dequantised into `out` (columns floats): an embedding lookup.
    public func dequantizeRow(_ row: Int, into out: UnsafeMutablePointer<Float>, level: Int32 = SmallRowsGemm.level) {
        precondition(row >= 0 && row < rows, "row \(row) out of 0..<\(rows)")
        ck_quant_dequantize_rows(level, type.rawValue, Int32(row), Int32(row + 1), Int32(columns), base, rowBytes, out, columns)
    }

    /// Rows `range` dequantised into `out` (row-major, `columns` apart), split over `threads`.
    public func dequantize(rows range: Range<Int>, into out: UnsafeMutablePointer<Float>, threads: Int = Parallel.cores,
                           level: Int32 = SmallRowsGemm.level) {
        var task = Task(matrix: self, m: 0, x: nil, ldx: 0, y: out, ldy: columns, level: level,
                        first: range.lowerBound, count: range.count, single: threads <= 1)
        let items = task.items
        withUnsafeMutablePointer(to: &task) { pointer in
            Parallel.forEach(items, workPerItem: Task.rowsPerItem * columns, context: pointer) { raw, lo, hi in
                raw!.assumingMemoryBound(to: Task.self).pointee.dequantizeChunk(lo, hi)
            }
        }
    }

    /// Multiply-adds below which a product stays on the calling thread. Waking the pool's
    /// workers costs tens of microseconds, so in 1-row decoding only the tied head (28 M) is
    /// worth splitting, not a layer's 0.3–0.9 M-weight matrices: measured with `bench llm`
    /// at 2 threads, splitting every matrix made decoding slower than 1 thread. Inside
    /// `Parallel.withSpinningWorkers` (a decoding step) the team's threshold applies instead.
    public static let minimumParallelWork = 1 << 22

    /// y (m, rows) = x (m, columns) · Wᵀ, output columns split over `threads` (1: this thread).
    /// With m ≥ `sgemmRows`, `scratch` (rows × columns floats) receives the dequantised W.
    public func multiply(_ x: UnsafePointer<Float>, rows m: Int, ldx: Int? = nil, into y: UnsafeMutablePointer<Float>,
                         ldy: Int? = nil, threads: Int = Parallel.cores, scratch: UnsafeMutablePointer<Float>? = nil,
                         level: Int32 = SmallRowsGemm.level) {
        guard m > 0 else { return }
        precondition(level <= SmallRowsGemm.level, "kernel level \(level) needs a CPU feature this one lacks")
        let (ldx, ldy) = (ldx ?? columns, ldy ?? rows)
        FLOPCounter.add(.matmul, m: m, n: rows, k: columns)
        if m >= Self.sgemmRows, let scratch {
            dequantize(rows: 0..<rows, into: scratch, threads: threads, level: level)
            Parallel.withBLASThreads(max(1, threads)) {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(rows), Int32(columns), 1,
                            x, Int32(ldx), scratch, Int32(columns), 0, y, Int32(ldy))
            }
            return
        }
        var task = Task(matrix: self, m: m, x: x, ldx: ldx, y: y, ldy: ldy, level: level, first: 0, count: rows,
                        single: threads <= 1)
        let items = task.items
        withUnsafeMutablePointer(to: &task) { pointer in
            Parallel.forEach(items, workPerItem: Task.rowsPerItem * columns * m, minimumWork: Self.minimumParallelWork,
                             callsBLAS: false, context: pointer) { raw, lo, hi in
                raw!.assumingMemoryBound(to: Task.self).pointee.multiplyChunk(lo, hi)
            }
        }
    }

    /// One call's arguments, handed to the workers by address (no closure: a decoding step
    /// allocates nothing).
    private struct Task {
        /// Weight rows per work item: a multiple of the kernels' 4-row panels, so no chunk
        /// boundary splits one.
        static let rowsPerItem = 16

        var matrix: QuantizedMatrix
        var m: Int
        var x: UnsafePointer<Float>?
        var ldx: Int
        var y: UnsafeMutablePointer<Float>?
        var ldy: Int
        var level: Int32
        var first: Int
        var count: Int
        /// One thread: a single item covering every row.
        var single: Bool

        var items: Int { single ? 1 : (count + Self.rowsPerItem - 1) / Self.rowsPerItem }

        /// Weight rows (relative to `first`) of items [lo, hi).
        func span(_ lo: Int, _ hi: Int) -> (Int, Int) {
            single ? (0, count) : (lo * Self.rowsPerItem, Swift.min(count, hi * Self.rowsPerItem))
        }

        func multiplyChunk(_ lo: Int, _ hi: Int) {
            let (n0, n1) = span(lo, hi)
            ck_quant_gemm_nt(level, matrix.type.rawValue, Int32(m), Int32(n0), Int32(n1), Int32(matrix.columns),
                             x, ldx, matrix.base, matrix.rowBytes, y, ldy)
        }

        func dequantizeChunk(_ lo: Int, _ hi: Int) {
            let (n0, n1) = span(lo, hi)
            ck_quant_dequantize_rows(level, matrix.type.rawValue, Int32(first + n0), Int32(first + n1),
                                     Int32(matrix.columns), matrix.base, matrix.rowBytes, y! + n0 * ldy, ldy)
        }
    }
}
