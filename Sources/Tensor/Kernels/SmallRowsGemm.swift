import CKernels

/// C = alpha · A · Bᵀ + beta · C for at most `maxRows` rows of A, B a row-major (out, in)
/// weight: the decoding steps' products (a few beams against every weight matrix).
/// sgemm re-packs the whole weight on each such call, which cost more than the multiply;
/// this kernel streams each weight row once per pair of A rows, unpacked (CKernels).
/// Sums run in a different order than sgemm's, so results agree to float rounding.
public enum SmallRowsGemm {
    /// Above this many rows sgemm's packing pays for itself.
    public static let maxRows = 16

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
}
