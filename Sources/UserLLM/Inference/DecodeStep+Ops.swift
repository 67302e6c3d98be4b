import CKernels
import Foundation
import NN
import Tensor

/// The ops of a decoding pass, on `DecodeStep`'s buffers.
extension DecodeStep {

    /// normed = x · rsqrt(mean(x²) + eps) · w, as `Tensor.rmsNorm`.
    func rmsNorm(_ src: UnsafePointer<Float>, _ weight: UnsafePointer<Float>, rows n: Int) {
        let eps = config.normEps, dst = normed.pointer
        for r in 0..<n {
            let xr = src + r * d, yr = dst + r * d
            let rinv = 1 / (VectorMath.dot(xr, xr, d) / Float(d) + eps).squareRoot()
            for j in 0..<d { yr[j] = xr[j] * rinv * weight[j] }
        }
    }

    /// `input` (n, k) times two or three (out, k) weights, each into its output (n, out).
    func project(rows n: Int, in k: Int, _ input: UnsafePointer<Float>,
                 _ a: (DecodeWeight, Int, UnsafeMutablePointer<Float>), _ b: (DecodeWeight, Int, UnsafeMutablePointer<Float>),
                 _ c: (DecodeWeight, Int, UnsafeMutablePointer<Float>)? = nil) {
        guard n <= SmallRowsGemm.maxRows, a.0.dense != nil, b.0.dense != nil, c == nil || c!.0.dense != nil else {
            a.0.multiply(input, rows: n, in: k, out: a.1, into: a.2, tileScratch: tileScratch)
            b.0.multiply(input, rows: n, in: k, out: b.1, into: b.2, tileScratch: tileScratch)
            if let c { c.0.multiply(input, rows: n, in: k, out: c.1, into: c.2, tileScratch: tileScratch) }
            return
        }
        func product(_ p: (DecodeWeight, Int, UnsafeMutablePointer<Float>)) -> SmallRowsGemm.Product {
            SmallRowsGemm.Product(b: p.0.dense!.pointer, n: p.1, c: p.2, ldc: p.1)
        }
        SmallRowsGemm.multiply(m: n, k: k, a: input, lda: k, product(a), product(b), c.map(product))
    }

    /// RoPE (the config's style) in place on `heads` heads of `positions` rows of width
    /// heads·Dh, each at its own position (its path's last entry).
    func rotate(_ p: UnsafeMutablePointer<Float>, rows positions: Int, heads: Int) {
        let half = headDim / 2, width = heads * headDim
        // Where pair i's features sit: i·step and i·step + offset, as `Tensor.rotary`.
        let (step, offset) = config.ropeStyle == .half ? (1, half) : (2, 1)
        for position in 0..<positions {
            let table = rotation.pointer + (positionLengths[position] - 1) * headDim
            let cosines = table, sines = table + half
            for head in 0..<heads {
                let x1 = p + position * width + head * headDim, x2 = x1 + offset
                for i in 0..<half {
                    let j = i * step
                    let (a, b) = (x1[j], x2[j])
                    x1[j] = a * cosines[i] - b * sines[i]
                    x2[j] = b * cosines[i] + a * sines[i]
                }
            }
        }
    }

    /// gateHidden = silu(gateHidden) ⊙ upHidden over n rows, the training path's exp.
    func swiGLU(rows n: Int) {
        ck_swiglu(SmallRowsGemm.level, gateHidden.pointer, upHidden.pointer, n * hidden)
    }

    /// Below this many flops the heads' attention (a short prompt, 32 user rows) takes less
    /// than waking a worker thread; TP's long prompts split across the cores.
    static let parallelAttentionWork = 1 << 20

    /// What the attention of the current layer reads, set before its heads are dispatched
    /// (the workers get `self` by address: a closure would be boxed on every call).
    struct AttentionCall {
        var layer = 0
        var positions = 0
        var promptLength = 0
        var masked: Range<Int>?
        var cache: KVCache?
        var context: CrossAttentionContext?
        var visible = 0
    }

    /// attended = each position's causal self-attention: the prompt's keys (shared by every
    /// position) and the slots of its path, its own included. Heads run in parallel.
    func selfAttention(layer l: Int, positions n: Int, cache: KVCache, promptLength: Int, masked: Range<Int>?) {
        call = AttentionCall(layer: l, positions: n, promptLength: promptLength, masked: masked, cache: cache)
        let longest = (0..<n).reduce(0) { max($0, positionLengths[$1]) }
        let work = 4 * n * (promptLength + longest) * headDim
        Parallel.forEach(heads, workPerItem: work, minimumWork: Self.parallelAttentionWork,
                         context: Unmanaged.passUnretained(self).toOpaque()) { raw, lo, hi in
            Unmanaged<DecodeStep>.fromOpaque(raw!).takeUnretainedValue().selfAttentionHeads(lo..<hi)
        }
    }

    func selfAttentionHeads(_ range: Range<Int>) {
        let (l, n, promptLength, masked) = (call.layer, call.positions, call.promptLength, call.masked)
        let cache = call.cache!
        let g = generatedCapacity, keyCapacity = self.keyCapacity, rowStride = positionCapacity * keyCapacity
        let scale = 1 / Float(headDim).squareRoot()
        let poolK = poolKeys[l].pointer, poolV = poolValues[l].pointer, kvDim = self.kvDim
        let q = queries.pointer, out = attended.pointer, paths = positionPaths, lengths = positionLengths
        let group = heads / kvHeads
        for h in range {
            // Grouped-query attention: query head h reads key/value head h / group.
            let kvh = h / group
            let sc = scores.pointer + h * rowStride
            let promptKeys = cache.keys.pointer + kvh * cache.capacity * headDim
            let promptValues = cache.values.pointer + kvh * cache.capacity * headDim
            let qh = q + h * headDim, oh = out + h * headDim
            // S[:, :prompt] = scale · Q Kᵀ for every position at once  (n, prompt), ld keyCapacity
            BLAS.gemm(transA: false, transB: true, m: n, n: promptLength, k: headDim, alpha: scale, a: qh, lda: d,
                      b: promptKeys, ldb: headDim, c: sc, ldc: keyCapacity, kind: .attention)
            for r in 0..<n {
                let row = sc + r * keyCapacity, qr = qh + r * d, path = paths + r * g
                // The path's own slots, by hand: a dot per score here, an axpy per score below.
                FLOPCounter.add(.attention, m: 2, n: lengths[r], k: headDim)
                for j in 0..<lengths[r] {
                    row[promptLength + j] = scale * VectorMath.dot(qr, poolK + Int(path[j]) * kvDim + kvh * headDim, headDim)
                }
                if let masked { for j in masked { row[j] = -.infinity } }
                Self.softmax(row, promptLength + lengths[r])
            }
            // O = P[:, :prompt] · V  (n, Dh), ld d; then each position's own slots.
            if promptLength == 0 {
                // (BLAS would clear whole rows of ldc, other heads' columns included.)
                for r in 0..<n { (oh + r * d).update(repeating: 0, count: headDim) }
            } else {
                BLAS.gemm(transA: false, transB: false, m: n, n: headDim, k: promptLength, a: sc, lda: keyCapacity,
                          b: promptValues, ldb: headDim, c: oh, ldc: d, kind: .attention)
            }
            for r in 0..<n {
                let row = sc + r * keyCapacity + promptLength, o = oh + r * d, path = paths + r * g
                for j in 0..<lengths[r] {
                    let v = poolV + Int(path[j]) * kvDim + kvh * headDim, p = row[j]
                    for i in 0..<headDim { o[i] += p * v[i] }
                }
            }
        }
    }

    /// attended = each position's attention to the user's `userLength` real context rows.
    func crossAttention(_ context: CrossAttentionContext, positions n: Int, userLength: Int?) {
        let m = context.keys.shape[2], visible = min(m, userLength ?? m)
        call = AttentionCall(positions: n, context: context, visible: visible)
        Parallel.forEach(heads, workPerItem: 4 * n * visible * headDim, minimumWork: Self.parallelAttentionWork,
                         context: Unmanaged.passUnretained(self).toOpaque()) { raw, lo, hi in
            Unmanaged<DecodeStep>.fromOpaque(raw!).takeUnretainedValue().crossAttentionHeads(lo..<hi)
        }
    }

    func crossAttentionHeads(_ range: Range<Int>) {
        let (n, visible, context) = (call.positions, call.visible, call.context!)
        let m = context.keys.shape[2]
        let scale = 1 / Float(headDim).squareRoot()
        let q = queries.pointer, out = attended.pointer
        for h in range {
            let sc = scores.pointer + h * positionCapacity * keyCapacity
            let keys = context.keys.pointer + h * m * headDim, values = context.values.pointer + h * m * headDim
            BLAS.gemm(transA: false, transB: true, m: n, n: visible, k: headDim, alpha: scale, a: q + h * headDim,
                      lda: d, b: keys, ldb: headDim, c: sc, ldc: keyCapacity, kind: .attention)
            for r in 0..<n { Self.softmax(sc + r * keyCapacity, visible) }
            if visible == 0 {
                for r in 0..<n { (out + h * headDim + r * d).update(repeating: 0, count: headDim) }
                continue
            }
            BLAS.gemm(transA: false, transB: false, m: n, n: headDim, k: visible, a: sc, lda: keyCapacity,
                      b: values, ldb: headDim, c: out + h * headDim, ldc: d, kind: .attention)
        }
    }

    /// Scores to probabilities in place, as the attention kernel's rows (nothing visible: 0).
    static func softmax(_ row: UnsafeMutablePointer<Float>, _ n: Int) {
        let maxScore = VectorMath.max(row, n)
        if maxScore == -.infinity {
            for j in 0..<n { row[j] = 0 }
            return
        }
        let inv = 1 / VectorMath.expShifted(row, row, n, shift: maxScore)
        for j in 0..<n { row[j] *= inv }
    }
}
