import CKernels
import Foundation

/// Row kernels shared by the ops: SIMD8 loops the compiler cannot derive by itself
/// (Foundation's `expf` is a scalar call, so exp-heavy loops would not vectorise).
public enum VectorMath {
    public typealias Vec = SIMD8<Float>

    /// exp of eight lanes: Cephes' expf polynomial after a Cody-Waite range reduction,
    /// within ~2 ulp of `expf` on [-87.3, 88.3]; lanes below that give 0, above it
    /// saturate at ~2.4e38 (callers subtract a row maximum first, so they never get there).
    @inline(__always)
    public static func exp(_ v: Vec) -> Vec {
        // Bit-mask selects rather than clamped/replacing (per-lane code, measured ~1.5x
        // slower in release) or pointwiseMin/Max (a call per vector: ~5% of a decoding step).
        let x = lanesMin(lanesMax(v, Vec(repeating: -87.33654)), Vec(repeating: 88.37626))
        // n = round(x / ln 2) by the 1.5·2²³ trick: the sum's low mantissa bits hold n.
        let magic: Float = 12_582_912
        let t = x * 1.442_695_04 + magic
        let n = t - magic
        // r = x − n·ln2 in two parts, so r keeps full precision.
        var r = x - n * 0.693_359_375
        r = r + n * 2.121_944_40e-4
        var p = Vec(repeating: 1.987_569_150_0e-4)
        p = p * r + 1.398_199_950_7e-3
        p = p * r + 8.333_345_270_1e-3
        p = p * r + 4.166_579_589_4e-2
        p = p * r + 1.666_666_545_9e-1
        p = p * r + 5.000_000_120_1e-1
        p = p * (r * r) + r + 1
        let ni = unsafeBitCast(t, to: SIMD8<Int32>.self) &- 0x4B40_0000
        let scale = unsafeBitCast((ni &+ 127) &<< 23, to: Vec.self)
        // Lanes below the range become +0 (all bits cleared); NaN lanes become NaN (all bits
        // set), since the clamp above would have turned them into numbers.
        let keep = unsafeBitCast(.!(v .< Vec(repeating: -87.33654)), to: SIMD8<Int32>.self)
        let nan = unsafeBitCast(v .!= v, to: SIMD8<Int32>.self)
        return unsafeBitCast((unsafeBitCast(p * scale, to: SIMD8<Int32>.self) & keep) | nan, to: Vec.self)
    }

    /// Scalar exp with the same polynomial, for loop tails (so a row's values do not
    /// depend on where the SIMD body ends).
    @inline(__always)
    public static func exp(_ x: Float) -> Float { exp(Vec(repeating: x))[0] }

    /// tanh through exp: 1 − 2/(e^{2|u|} + 1), sign restored. Absolute error ~1e-7; used
    /// inside GELU where the result is added to 1, so relative error near 0 is harmless.
    @inline(__always)
    public static func tanh(_ u: Vec) -> Vec {
        let bits = unsafeBitCast(u, to: SIMD8<UInt32>.self)
        let sign = bits & 0x8000_0000
        let a = unsafeBitCast(bits & 0x7FFF_FFFF, to: Vec.self)
        let e = exp(a + a)
        let t = 1 - 2 / (e + 1)
        return unsafeBitCast(unsafeBitCast(t, to: SIMD8<UInt32>.self) | sign, to: Vec.self)
    }

    /// b where a < b, else a, per lane (`pointwiseMax`'s choice), as one compare and two
    /// masks, always inlined.
    @inline(__always)
    public static func lanesMax(_ a: Vec, _ b: Vec) -> Vec {
        let takeB = unsafeBitCast(a .< b, to: SIMD8<Int32>.self)
        let (ai, bi) = (unsafeBitCast(a, to: SIMD8<Int32>.self), unsafeBitCast(b, to: SIMD8<Int32>.self))
        return unsafeBitCast((bi & takeB) | (ai & ~takeB), to: Vec.self)
    }

    /// b where b < a, else a, per lane (`pointwiseMin`'s choice); see `lanesMax`.
    @inline(__always)
    public static func lanesMin(_ a: Vec, _ b: Vec) -> Vec {
        let takeB = unsafeBitCast(b .< a, to: SIMD8<Int32>.self)
        let (ai, bi) = (unsafeBitCast(a, to: SIMD8<Int32>.self), unsafeBitCast(b, to: SIMD8<Int32>.self))
        return unsafeBitCast((bi & takeB) | (ai & ~takeB), to: Vec.self)
    }

    /// Largest value of `n` floats (−∞ for n == 0).
    @inline(__always)
    public static func max(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        var i = 0
        var m8 = Vec(repeating: -.infinity)
        while i + 8 <= n {
            m8 = lanesMax(m8, UnsafeRawPointer(p + i).loadUnaligned(as: Vec.self))
            i += 8
        }
        var m = m8.max()
        while i < n { m = Swift.max(m, p[i]); i += 1 }
        return m
    }

    /// Σ p[i] in eight lanes (a partial pairwise sum: less rounding than one running total).
    @inline(__always)
    public static func sum(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
        var i = 0
        var s8 = Vec()
        while i + 8 <= n {
            s8 += UnsafeRawPointer(p + i).loadUnaligned(as: Vec.self)
            i += 8
        }
        var s = s8.sum()
        while i < n { s += p[i]; i += 1 }
        return s
    }

    /// Σ (p[i] − mean)², in eight lanes (a serial float sum does not vectorise: the
    /// compiler may not reorder it).
    @inline(__always)
    public static func sumSquaredDeviations(_ p: UnsafePointer<Float>, _ n: Int, mean: Float) -> Float {
        var i = 0
        var s8 = Vec()
        let m = Vec(repeating: mean)
        while i + 8 <= n {
            let c = UnsafeRawPointer(p + i).loadUnaligned(as: Vec.self) - m
            s8 += c * c
            i += 8
        }
        var s = s8.sum()
        while i < n { let c = p[i] - mean; s += c * c; i += 1 }
        return s
    }

    /// Σ a[i]·b[i].
    @inline(__always)
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ n: Int) -> Float {
        var i = 0
        var s8 = Vec()
        while i + 8 <= n {
            s8 += UnsafeRawPointer(a + i).loadUnaligned(as: Vec.self) * UnsafeRawPointer(b + i).loadUnaligned(as: Vec.self)
            i += 8
        }
        var s = s8.sum()
        while i < n { s += a[i] * b[i]; i += 1 }
        return s
    }

    /// Which C kernels the row functions below run (CKernels/RowMath.c): 2 = AVX-512F,
    /// 1 = AVX2 + FMA, 0 = portable C. The Swift SIMD8 code above compiles for the SSE2
    /// baseline, where exp loops ran at a fraction of the CPU's width.
    public static let level: Int32 = SmallRowsGemm.level

    /// dst[i] = exp(src[i] − shift); returns Σ dst. `dst` may equal `src`.
    @inline(__always)
    public static func expShifted(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>,
                                  _ n: Int, shift: Float, level: Int32 = VectorMath.level) -> Float {
        ck_exp_shifted(level, src, dst, n, shift)
    }

    /// Σ exp(src[i] − shift) without storing the terms.
    @inline(__always)
    public static func sumExpShifted(_ src: UnsafePointer<Float>, _ n: Int, shift: Float,
                                     level: Int32 = VectorMath.level) -> Float {
        ck_exp_shifted(level, src, nil, n, shift)
    }

    /// One attention row in place: the softmax of row[0..<visible), zeros after it up to
    /// `total`; a row with nothing visible (all −∞) becomes all zeros.
    @inline(__always)
    public static func softmaxRow(_ row: UnsafeMutablePointer<Float>, visible: Int, total: Int,
                                  level: Int32 = VectorMath.level) {
        ck_softmax_row(level, row, visible, total)
    }

    /// GELU (tanh approximation) of n floats into `y`; with `gradient`, y = gradient · gelu'(x)
    /// instead (the backward). `y` may alias either input.
    @inline(__always)
    public static func gelu(_ x: UnsafePointer<Float>, gradient: UnsafePointer<Float>? = nil,
                            into y: UnsafeMutablePointer<Float>, count n: Int, level: Int32 = VectorMath.level) {
        ck_gelu(level, x, gradient, y, n)
    }

    /// log Σ exp(p[i]) as (max, log Σ exp(p[i] − max)), kept apart so that x − lse can be
    /// formed as (x − max) − logSum without the cancellation of a large max.
    /// (−∞, 0) for an empty or all −∞ row.
    @inline(__always)
    public static func logSumExp(_ p: UnsafePointer<Float>, _ n: Int) -> (max: Float, logSum: Float) {
        let m = max(p, n)
        guard m > -.infinity else { return (-.infinity, 0) }
        return (m, Foundation.log(sumExpShifted(p, n, shift: m)))
    }
}
