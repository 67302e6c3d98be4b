import CKernels

/// A frozen (rows, columns) weight packed once for the CPU's AMX tile unit, for products
/// y = x · Wᵀ at inference (AMXGemm.c): a decoding pass's few beams, a prompt's prefill.
///
/// On this project's machines a tile product runs ~16× the AVX-512 FMA rate in bf16. With
/// `bf16x3` each value is kept as a bf16 head plus a bf16 tail and three tile products
/// recover the f32 result to ~1e-5 relative, 2.6–3.2× faster per core than the f32 kernels
/// at 10–37 rows; `bf16` keeps the heads only: ~2× faster again, ~2e-3 relative.
///
/// The packed copy holds the weight as it was when packed: a layer trains through its f32
/// `weight`, never through this (`Linear.packForInference`).
public final class TileMatrix: @unchecked Sendable {
    public enum Precision: String, Sendable, CaseIterable {
        /// f32 to ~1e-5 relative: xh·wh + xh·wl + xl·wh.
        case bf16x3
        /// bf16 products (8-bit mantissas): ~2e-3 relative.
        case bf16

        var terms: Int32 { self == .bf16x3 ? 3 : 1 }
        /// bf16 values kept per f32 one (head, tail).
        var parts: Int32 { self == .bf16x3 ? 2 : 1 }
    }

    public let rows: Int
    public let columns: Int
    public let precision: Precision
    /// The tiles, heads and (bf16x3) tails: see AMXGemm.c for the order.
    private let packed: UnsafeMutablePointer<UInt16>

    /// Whether this CPU and kernel run tile products (asks Linux for the tile state once).
    public static let available: Bool = ck_amx_available() != 0

    /// Shapes the kernel packs: whole 16-row blocks of W and 32-column chunks.
    public static func fits(rows: Int, columns: Int) -> Bool {
        rows > 0 && columns > 0 && rows % 16 == 0 && columns % 32 == 0
    }

    /// 16-row blocks of W a work item covers: the kernel sums four at once.
    private static let blocksPerGroup = 4

    /// Packs W (rows, columns), row-major f32; its groups of blocks split over the cores.
    public init(_ weight: UnsafePointer<Float>, rows: Int, columns: Int, precision: Precision) {
        precondition(Self.available, "tile products need a CPU with AMX-BF16 (check TileMatrix.available)")
        precondition(Self.fits(rows: rows, columns: columns), "tile packing needs rows % 16 == 0 and columns % 32 == 0, got (\(rows), \(columns))")
        (self.rows, self.columns, self.precision) = (rows, columns, precision)
        packed = .allocate(capacity: rows * columns * Int(precision.parts))
        let (packed, terms) = (packed, precision.terms)
        Parallel.forEach(groups, workPerItem: Self.blocksPerGroup * 16 * columns * 8) { range in
            ck_amx_pack(weight, Int32(rows), Int32(columns), terms, Int32(range.lowerBound), Int32(range.upperBound), packed)
        }
    }

    deinit { packed.deallocate() }

    private var groups: Int { (rows / 16 + Self.blocksPerGroup - 1) / Self.blocksPerGroup }

    /// Bytes of the packed copy: what one product reads.
    public var byteCount: Int { rows * columns * 2 * Int(precision.parts) }

    /// UInt16s of scratch `multiply` needs for `m` activation rows.
    public func scratchCount(rows m: Int) -> Int { m * columns * Int(precision.parts) }

    /// y (m, rows) = x (m, columns) · Wᵀ, or y += … with `accumulate`; x and y contiguous
    /// (y's rows `ldy` apart). `scratch` (`scratchCount(rows: m)`) receives x in bf16; nil
    /// allocates it for this call.
    public func multiply(_ x: UnsafePointer<Float>, rows m: Int, into y: UnsafeMutablePointer<Float>, ldy: Int? = nil,
                         accumulate: Bool = false, scratch: UnsafeMutablePointer<UInt16>? = nil) {
        guard m > 0 else { return }
        FLOPCounter.add(.matmul, m: m, n: rows, k: columns)
        let owned = scratch == nil ? UnsafeMutablePointer<UInt16>.allocate(capacity: scratchCount(rows: m)) : nil
        defer { owned?.deallocate() }
        let xh = scratch ?? owned!, xl = precision == .bf16 ? nil : xh + m * columns
        ck_amx_split(x, m * columns, precision.terms, xh, xl)
        var task = Task(m: m, n: rows, k: columns, terms: precision.terms, xh: xh, xl: xl, w: packed, y: y,
                        ldy: ldy ?? rows, accumulate: accumulate)
        withUnsafeMutablePointer(to: &task) { pointer in
            Parallel.forEach(groups, workPerItem: Self.blocksPerGroup * 16 * columns * m * Int(precision.terms),
                             minimumWork: QuantizedMatrix.minimumParallelWork, callsBLAS: false, context: pointer) { raw, lo, hi in
                raw!.assumingMemoryBound(to: Task.self).pointee.run(lo, hi)
            }
        }
    }

    /// One call's arguments, handed to the cores by address (a decoding step allocates nothing).
    private struct Task {
        var m, n, k: Int
        var terms: Int32
        var xh: UnsafeMutablePointer<UInt16>
        var xl: UnsafeMutablePointer<UInt16>?
        var w: UnsafeMutablePointer<UInt16>
        var y: UnsafeMutablePointer<Float>
        var ldy: Int
        var accumulate: Bool

        /// Groups [lo, hi) of four blocks.
        func run(_ lo: Int, _ hi: Int) {
            ck_amx_gemm_nt(terms, Int32(m), Int32(n), Int32(lo), Int32(hi), Int32(k), xh, xl, w, y, ldy, accumulate ? 1 : 0)
        }
    }
}
