import CKernels

/// C = alpha · A · Bᵀ + beta · C for at most `maxRows` rows of A, B a row-major (out, in)
/// weight: the decoding steps' products (a few beams against every weight matrix), and
/// short prompts'.
/// sgemm re-packs the whole weight on each such call, which cost more than the multiply;
/// this kernel streams each weight row once per pair of A rows, unpacked (CKernels).
/// Sums run in a different order than sgemm's, so results agree to float rounding.
public enum SmallRowsGemm {
    /// Above this many rows sgemm's packing pays for itself: measured on this machine's
    /// decoder shapes (d 256, hidden 768, vocab 4096), this kernel was 1.3–3× faster up to
    /// 32 rows and level with it at 48 — short prompts and 50-event histories, not only beams.
    public static let maxRows = 48

    /// 2 = AVX-512F, 1 = AVX2 + FMA, 0 = portable C: the CPU's flags as the kernel reports
    /// them (/proc/cpuinfo lists only what the kernel enabled).
    public static let level: Int32 = {
        let flags = BLASRuntime.cpuFlags()
        if flags.contains("avx512f") { return 2 }
        if flags.contains("avx2") && flags.contains("fma") { return 1 }
        return 0
    }()

    /// The output columns (B's rows) split over the cores, in blocks of the kernel's 4.
    /// `level` below the CPU's picks a plainer kernel (tests check each against the others).
    public static func multiply(m: Int, n: Int, k: Int, alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                                b: UnsafePointer<Float>, ldb: Int, beta: Float = 0,
                                c: UnsafeMutablePointer<Float>, ldc: Int, kind: FLOPCounter.Kind = .matmul,
                                level: Int32 = SmallRowsGemm.level) {
        FLOPCounter.add(kind, m: m, n: n, k: k)
        let product = Product(b: b, n: n, c: c, ldc: ldc, alpha: alpha, beta: beta, ldb: ldb)
        run(Task(m: m, k: k, a: a, lda: lda, level: level, products: (product, nil, nil)))
    }

    /// One output of the fused `multiply`: C = alpha · A · Bᵀ + beta · C with B a row-major
    /// (n, k) weight (leading dimension `ldb`, k unless given).
    public struct Product {
        public var b: UnsafePointer<Float>
        public var n: Int
        public var c: UnsafeMutablePointer<Float>
        public var ldc: Int
        public var alpha: Float
        public var beta: Float
        public var ldb: Int?

        public init(b: UnsafePointer<Float>, n: Int, c: UnsafeMutablePointer<Float>, ldc: Int,
                    alpha: Float = 1, beta: Float = 0, ldb: Int? = nil) {
            (self.b, self.n, self.c, self.ldc, self.alpha, self.beta, self.ldb) = (b, n, c, ldc, alpha, beta, ldb)
        }
    }

    /// Two or three products of the same A (a decoding step's q, k and v; its gate and up
    /// projections) in one dispatch to the cores: each dispatch wakes a worker thread, which
    /// costs about as much as one of these small products.
    public static func multiply(m: Int, k: Int, a: UnsafePointer<Float>, lda: Int,
                                _ first: Product, _ second: Product, _ third: Product? = nil,
                                level: Int32 = SmallRowsGemm.level) {
        precondition(m <= maxRows, "the fused few-row products take at most \(maxRows) rows, got \(m)")
        FLOPCounter.add(.matmul, m: m, n: first.n + second.n + (third?.n ?? 0), k: k)
        run(Task(m: m, k: k, a: a, lda: lda, level: level, products: (first, second, third)))
    }

    /// The products of one call and their column blocks, handed to the cores by address
    /// (`Parallel.forEach(context:work:)`: no closure to box, so a decoding step allocates
    /// nothing).
    private struct Task {
        var m: Int
        var k: Int
        var a: UnsafePointer<Float>
        var lda: Int
        var level: Int32
        var products: (Product, Product?, Product?)

        func blocks(_ p: Product?) -> Int { ((p?.n ?? 0) + 3) / 4 }
        var totalBlocks: Int { blocks(products.0) + blocks(products.1) + blocks(products.2) }

        /// Blocks [lo, hi) of the combined range; product p owns [start, start + its blocks).
        func run(_ lo: Int, _ hi: Int) {
            var start = 0
            func part(_ p: Product?) {
                guard let p else { return }
                let count = blocks(p)
                let from = Swift.max(lo, start) - start, to = Swift.min(hi, start + count) - start
                if from < to {
                    ck_gemm_small_rows_nt(level, Int32(m), Int32(from * 4), Int32(Swift.min(p.n, to * 4)), Int32(k), p.alpha,
                                          a, Int32(lda), p.b, Int32(p.ldb ?? k), p.beta, p.c, Int32(p.ldc))
                }
                start += count
            }
            part(products.0)
            part(products.1)
            part(products.2)
        }
    }

    private static func run(_ task: Task) {
        precondition(task.level <= Self.level, "kernel level \(task.level) needs a CPU feature this one lacks")
        let (blocks, work) = (task.totalBlocks, 8 * task.m * task.k)
        var task = task
        withUnsafeMutablePointer(to: &task) { pointer in
            Parallel.forEach(blocks, workPerItem: work, context: pointer) { raw, lo, hi in
                raw!.assumingMemoryBound(to: Task.self).pointee.run(lo, hi)
            }
        }
    }
}
