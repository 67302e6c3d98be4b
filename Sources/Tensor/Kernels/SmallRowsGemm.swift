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
                                c: UnsafeMutablePointer<Float>, ldc: Int, level: Int32 = SmallRowsGemm.level) {
        precondition(level <= Self.level, "kernel level \(level) needs a CPU feature this one lacks")
        let blocks = (n + 3) / 4
        Parallel.forEach(blocks, workPerItem: 8 * m * k) { range in
            ck_gemm_small_rows_nt(level, Int32(m), Int32(range.lowerBound * 4), Int32(Swift.min(n, range.upperBound * 4)),
                                  Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
        }
    }

    /// One output of `multiply(m:k:a:lda:_:_:_:)`: C = alpha · A · Bᵀ + beta · C with B a
    /// row-major (n, k) weight.
    public struct Product {
        public var b: UnsafePointer<Float>
        public var n: Int
        public var c: UnsafeMutablePointer<Float>
        public var ldc: Int
        public var alpha: Float
        public var beta: Float

        public init(b: UnsafePointer<Float>, n: Int, c: UnsafeMutablePointer<Float>, ldc: Int,
                    alpha: Float = 1, beta: Float = 0) {
            (self.b, self.n, self.c, self.ldc, self.alpha, self.beta) = (b, n, c, ldc, alpha, beta)
        }
    }

    /// Two or three products of the same A (a decoding step's q, k and v; its gate and up
    /// projections) in one dispatch to the cores: each dispatch wakes a worker thread, which
    /// costs about as much as one of these small products. B's leading dimension is k.
    public static func multiply(m: Int, k: Int, a: UnsafePointer<Float>, lda: Int,
                                _ first: Product, _ second: Product, _ third: Product? = nil,
                                level: Int32 = SmallRowsGemm.level) {
        precondition(m <= maxRows, "the fused few-row products take at most \(maxRows) rows, got \(m)")
        precondition(level <= Self.level, "kernel level \(level) needs a CPU feature this one lacks")
        let b0 = (first.n + 3) / 4, b1 = (second.n + 3) / 4, b2 = ((third?.n ?? 0) + 3) / 4
        Parallel.forEach(b0 + b1 + b2, workPerItem: 8 * m * k) { range in
            // The blocks of product p are [start, start + blocks) of the combined range.
            func run(_ p: Product, start: Int, blocks: Int) {
                let lo = Swift.max(range.lowerBound, start) - start, hi = Swift.min(range.upperBound, start + blocks) - start
                guard lo < hi else { return }
                ck_gemm_small_rows_nt(level, Int32(m), Int32(lo * 4), Int32(Swift.min(p.n, hi * 4)), Int32(k), p.alpha,
                                      a, Int32(lda), p.b, Int32(k), p.beta, p.c, Int32(p.ldc))
            }
            run(first, start: 0, blocks: b0)
            run(second, start: b0, blocks: b1)
            if let third { run(third, start: b0 + b1, blocks: b2) }
        }
    }
}
