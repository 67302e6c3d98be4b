import Foundation

/// Which keys each query may see, for `Tensor.attention`.
///
/// - `causal`: query i sees keys j ≤ i + (Tk − Tq). The queries are aligned to the END of
///   the keys, so with a KV cache (Tk = cached + new, Tq = new) each new token sees the whole
///   past and itself; with Tq == Tk it is the usual lower triangle.
/// - `keyLengths`: per batch entry, keys at index ≥ length are padding and never seen.
/// - `keyMask`: (B, Tk) row-major, false where a key is padding anywhere in the sequence
///   (a soft prompt shorter than its slot, say); like PyTorch's key_padding_mask, inverted.
/// - `bias`: added to the scaled scores before the softmax; shape (Tq, Tk), or rank 3/4 whose
///   leading axes broadcast against (B, H) — e.g. (B, 1, Tq, Tk). It receives a gradient when
///   it requires one (a learned relative-position bias, say).
///
/// A query that sees no key at all gets zero weights and a zero output.
public struct AttentionMask {
    public var causal: Bool
    public var keyLengths: [Int]?
    public var keyMask: [Bool]?
    public var bias: Tensor?

    public init(causal: Bool = false, keyLengths: [Int]? = nil, keyMask: [Bool]? = nil, bias: Tensor? = nil) {
        self.causal = causal
        self.keyLengths = keyLengths
        self.keyMask = keyMask
        self.bias = bias
    }

    public static var none: AttentionMask { AttentionMask() }
    public static var causal: AttentionMask { AttentionMask(causal: true) }
    public static func padding(_ keyLengths: [Int]) -> AttentionMask { AttentionMask(keyLengths: keyLengths) }
}

extension Tensor {
    /// Scaled dot-product attention as one fused op: softmax(scale·QKᵀ + bias, masked)·V.
    ///
    /// q (B, H, Tq, D), k (B, Hk, Tk, D), v (B, Hk, Tk, Dv) → out (B, H, Tq, Dv).
    /// Hk < H is grouped-query attention: Hk divides H, and query head h reads key/value
    /// head h / (H / Hk) — the keys are shared, never copied per query head.
    /// `scale` defaults to 1/√D. Each (batch, head) pair is two sgemms around a row-wise
    /// stable softmax; the pairs are split over cores. The backward pass is sgemms and one
    /// row-wise pass too — nothing per element reaches the tape.
    ///
    /// `keyCount`: when given, only the first `keyCount` rows of k and v along axis 2 are
    /// keys — k and v may then be preallocated buffers (a KV cache) longer than that.
    /// `keepWeights`: also return the attention probabilities (B, H, Tq, Tk), off the tape,
    /// for inspection (heatmaps).
    /// `recompute`: the backward pass recomputes the probabilities block by block from Q and K
    /// instead of keeping them from the forward pass. nil decides by size: past
    /// `recomputeThresholdBytes` of probabilities (not with a bias, whose gradient is the whole
    /// dS, nor with `keepWeights`).
    public static func attention(q: Tensor, k: Tensor, v: Tensor, mask: AttentionMask = .none,
                                 scale: Float? = nil, keyCount: Int? = nil,
                                 keepWeights: Bool = false, recompute: Bool? = nil) -> (out: Tensor, weights: Tensor?) {
        precondition(q.rank == 4 && k.rank == 4 && v.rank == 4,
                     "attention wants (B, H, T, D) tensors, got q \(q.shape) k \(k.shape) v \(v.shape)")
        let (b, h, tq, d) = (q.shape[0], q.shape[1], q.shape[2], q.shape[3])
        let capacity = k.shape[2], dv = v.shape[3], hk = k.shape[1]
        let tk = keyCount ?? capacity
        precondition(k.shape[0] == b && hk > 0 && h % hk == 0 && k.shape[3] == d,
                     "attention: k \(k.shape) does not match q \(q.shape)")
        precondition(v.shape[0] == b && v.shape[1] == hk && v.shape[2] == capacity,
                     "attention: v \(v.shape) does not match k \(k.shape)")
        precondition(tk >= 0 && tk <= capacity, "attention: keyCount \(tk) beyond \(capacity) rows")
        if let lengths = mask.keyLengths {
            precondition(lengths.count == b, "attention: \(lengths.count) key lengths for batch \(b)")
        }
        if let keyMask = mask.keyMask {
            precondition(keyMask.count == b * tk, "attention: key mask of \(keyMask.count) for (\(b), \(tk)) keys")
        }
        let plan = AttentionPlan(b: b, h: h, hk: hk, tq: tq, tk: tk, d: d, dv: dv, capacity: capacity,
                                 scale: scale ?? 1 / Float(d).squareRoot(), mask: mask)

        let needsGrad = Autograd.isEnabled
            && (q.requiresGrad || k.requiresGrad || v.requiresGrad || (mask.bias?.requiresGrad ?? false))
        let probabilityBytes = b * h * tq * tk * MemoryLayout<Float>.stride
        let recomputes = needsGrad && !keepWeights && mask.bias == nil
            && (recompute ?? (probabilityBytes > recomputeThresholdBytes))
        // The probabilities are kept whole only when the backward pass or the caller needs
        // them; otherwise each worker reuses one (Tq, Tk) scratch.
        let probs: Tensor? = ((needsGrad && !recomputes) || keepWeights) ? Tensor.empty([b, h, tq, tk]) : nil
        let out = Tensor.empty([b, h, tq, dv])
        plan.forward(q: q.pointer, k: k.pointer, v: v.pointer, out: out.pointer, probs: probs?.pointer)

        let weights = keepWeights ? probs.map { Tensor(shape: $0.shape, storage: $0.storage) } : nil
        guard needsGrad else { return (out, weights) }
        var inputs = [q, k, v]
        if let bias = mask.bias { inputs.append(bias) }
        let result = record(out, op: "attention", inputs: inputs) { g, _ in
            let dq = q.requiresGrad ? Tensor.empty(q.shape) : nil
            // dK and dV have the layout of k and v (cache rows past keyCount stay zero).
            let dk = k.requiresGrad ? Tensor.zeros(k.shape) : nil
            let dvT = v.requiresGrad ? Tensor.zeros(v.shape) : nil
            let biasGrad = (mask.bias?.requiresGrad ?? false) ? Tensor.empty([b, h, tq, tk]) : nil
            plan.backward(gradOut: g.pointer, q: q.pointer, k: k.pointer, v: v.pointer, probs: probs?.pointer,
                          dq: dq?.pointer, dk: dk?.pointer, dv: dvT?.pointer, dScores: biasGrad?.pointer)
            if let dq { q.accumulateGrad(dq, owned: true) }
            if let dk { k.accumulateGrad(dk, owned: true) }
            if let dvT { v.accumulateGrad(dvT, owned: true) }
            if let biasGrad, let bias = mask.bias {
                // The bias broadcasts over (B, H): its gradient is dS summed back to its shape.
                let full = sumToShape(biasGrad, AttentionPlan.biasShape4(bias.shape))
                bias.accumulateGrad(Tensor(shape: bias.shape, storage: full.storage), owned: full !== biasGrad)
            }
        }
        return (result, weights)
    }

    /// Above this many bytes of probabilities in one call, training recomputes them in the
    /// backward pass (one more Q·Kᵀ and softmax: about a quarter more attention work there).
    /// Below it they are cheap to keep; above it they are what limits the prompt length a
    /// step can train on — a 7,800-token SmolLM2 prompt keeps 2.1 GB of them per layer.
    public static let recomputeThresholdBytes = 128 << 20
}

extension Tensor {
    /// Scores `attention` computes (and multiplies by V) for one (batch, head) pair of
    /// `queries` rows over `keys` keys, queries aligned to the end, no key lengths: all of them
    /// unmasked; causal, every key visible to the LAST row of each block of
    /// `AttentionPlan.causalRowBlock` queries, for every row of the block — the masked scores
    /// inside a block are computed, then zeroed by the softmax. What `FLOPs.attention` counts.
    public static func attentionScoresComputed(queries: Int, keys: Int, causal: Bool) -> Int {
        guard causal else { return queries * keys }
        return stride(from: 0, to: queries, by: AttentionPlan.causalRowBlock).reduce(0) { sum, i0 in
            let i1 = Swift.min(queries, i0 + AttentionPlan.causalRowBlock)
            return sum + (i1 - i0) * Swift.max(0, Swift.min(keys, i1 + keys - queries))
        }
    }
}

/// The sizes and mask of one attention call, and its per-(batch, head) kernels.
struct AttentionPlan {
    /// hk: key/value heads (h for plain multi-head attention).
    let b, h, hk, tq, tk, d, dv, capacity: Int
    let scale: Float
    let mask: AttentionMask
    /// Element offsets of the bias's (B, H) slab for each pair; nil without a bias.
    let biasStrideB: Int, biasStrideH: Int

    init(b: Int, h: Int, hk: Int? = nil, tq: Int, tk: Int, d: Int, dv: Int, capacity: Int, scale: Float,
         mask: AttentionMask) {
        (self.b, self.h, self.tq, self.tk, self.d, self.dv, self.capacity) = (b, h, tq, tk, d, dv, capacity)
        self.hk = hk ?? h
        self.scale = scale
        self.mask = mask
        if let bias = mask.bias {
            let shape4 = AttentionPlan.biasShape4(bias.shape)
            precondition(shape4[2] == tq && shape4[3] == tk && (shape4[0] == 1 || shape4[0] == b)
                         && (shape4[1] == 1 || shape4[1] == h),
                         "attention: bias \(bias.shape) does not broadcast to (\(b), \(h), \(tq), \(tk))")
            biasStrideB = shape4[0] == 1 ? 0 : shape4[1] * tq * tk
            biasStrideH = shape4[1] == 1 ? 0 : tq * tk
        } else {
            (biasStrideB, biasStrideH) = (0, 0)
        }
    }

    /// A bias shape padded on the left to rank 4.
    static func biasShape4(_ shape: [Int]) -> [Int] {
        precondition(shape.count >= 2 && shape.count <= 4, "attention bias must have rank 2-4, got \(shape)")
        return [Int](repeating: 1, count: 4 - shape.count) + shape
    }

    /// Keys visible to query row i of batch entry bi: 0..<limit.
    @inline(__always)
    func visibleKeys(row i: Int, batch bi: Int) -> Int {
        var limit = tk
        if let lengths = mask.keyLengths { limit = min(limit, max(0, lengths[bi])) }
        if mask.causal { limit = min(limit, max(0, i + tk - tq + 1)) }
        return limit
    }

    var workPerPair: Int { 2 * tq * tk * (d + dv) + 4 * tq * tk }

    /// The key/value (batch, head) slab that query pair (bi, hi) reads.
    @inline(__always)
    func kvPair(_ pair: Int) -> Int { (pair / h) * hk + (pair % h) / (h / hk) }

    /// The query pairs reading key/value slab `kv` (the inverse of `kvPair`).
    func queryPairs(_ kv: Int) -> Range<Int> {
        let group = h / hk, first = (kv / hk) * h + (kv % hk) * group
        return first..<(first + group)
    }

    func forward(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                 out: UnsafeMutablePointer<Float>, probs: UnsafeMutablePointer<Float>?) {
        let bias = mask.bias?.pointer
        mask.keyMask.withUnsafeBufferPointerIfPresent { keyMask in
            Parallel.forEach(b * h, workPerItem: workPerPair) { range in
                // Without a kept probability tensor, one scratch (Tq, Tk) per worker.
                let scratch = probs == nil ? UnsafeMutablePointer<Float>.allocate(capacity: max(1, tq * tk)) : nil
                defer { scratch?.deallocate() }
                for pair in range {
                    let bi = pair / h, hi = pair % h
                    let p = probs.map { $0 + pair * tq * tk } ?? scratch!
                    let kv = kvPair(pair)
                    let qp = q + pair * tq * d, kp = k + kv * capacity * d, vp = v + kv * capacity * dv
                    let biasSlab = bias.map { $0 + bi * biasStrideB + hi * biasStrideH }
                    let allowed = keyMask.map { $0.baseAddress! + bi * tk }
                    for (i0, i1, limit) in rowBlocks(batch: bi) {
                        let rows = i1 - i0, pb = p + i0 * tk
                        // Only P V reads the scratch, and only its first `limit` columns;
                        // kept probabilities are zero out to Tk.
                        probabilities(rows: i0..<i1, limit: limit, batch: bi, q: qp, k: kp, bias: biasSlab, allowed: allowed,
                                      into: pb, width: probs == nil ? limit : tk)
                        // O = P V  (rows, Dv)
                        BLAS.gemm(transA: false, transB: false, m: rows, n: dv, k: limit, a: pb, lda: tk, b: vp,
                                  c: out + (pair * tq + i0) * dv, kind: .attention)
                    }
                }
            }
        }
    }

    /// Causal attention works in blocks of query rows, each computing only the keys its
    /// last row can see: about half the flops of the full square for long sequences.
    static let causalRowBlock = 64

    /// (first row, end row, visible keys of the block's widest row) per block of queries.
    func rowBlocks(batch bi: Int) -> [(Int, Int, Int)] {
        let step = mask.causal ? AttentionPlan.causalRowBlock : Swift.max(tq, 1)
        return stride(from: 0, to: tq, by: step).map { i0 in
            let i1 = Swift.min(tq, i0 + step)
            // Visibility never shrinks from one row to the next, so the last row is the widest.
            return (i0, i1, visibleKeys(row: i1 - 1, batch: bi))
        }
    }

    /// P for query rows `rows` of one (batch, head) pair over its first `limit` keys, into
    /// `out` (rows.count, ld Tk): S = scale · Q Kᵀ  (rows, limit), then a masked softmax per row,
    /// zero from each row's visible keys to `width`. The forward pass and the recomputing
    /// backward pass call it alike, so both see the same P.
    @inline(__always)
    private func probabilities(rows: Range<Int>, limit: Int, batch bi: Int, q qp: UnsafePointer<Float>,
                               k kp: UnsafePointer<Float>, bias biasSlab: UnsafePointer<Float>?,
                               allowed: UnsafePointer<Bool>?, into out: UnsafeMutablePointer<Float>, width: Int) {
        BLAS.gemm(transA: false, transB: true, m: rows.count, n: limit, k: d, alpha: scale,
                  a: qp + rows.lowerBound * d, b: kp, c: out, ldc: tk, kind: .attention)
        for i in rows {
            softmaxRow(out + (i - rows.lowerBound) * tk, bias: biasSlab.map { $0 + i * tk }, allowed: allowed,
                       visible: visibleKeys(row: i, batch: bi), width: width)
        }
    }

    /// Turns one row of scores into probabilities in place: keys from `visible` to `width` get 0.
    @inline(__always)
    private func softmaxRow(_ row: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>?,
                            allowed: UnsafePointer<Bool>?, visible: Int, width: Int) {
        if let bias { for j in 0..<visible { row[j] += bias[j] } }
        if let allowed { for j in 0..<visible where !allowed[j] { row[j] = -.infinity } }
        VectorMath.softmaxRow(row, visible: visible, total: width)
    }

    /// dV = Pᵀ dO; dP = dO Vᵀ; dS = P ⊙ (dP − rowsum(dP ⊙ P)); dQ = scale·dS K; dK = scale·dSᵀ Q.
    /// `dScores` (B, H, Tq, Tk), when given, receives dS (the bias's gradient before summing).
    /// `probs` nil: P is recomputed one row block at a time (no bias; see `Tensor.attention`).
    func backward(gradOut: UnsafePointer<Float>, q: UnsafePointer<Float>, k: UnsafePointer<Float>,
                  v: UnsafePointer<Float>, probs: UnsafePointer<Float>?,
                  dq: UnsafeMutablePointer<Float>?, dk: UnsafeMutablePointer<Float>?,
                  dv dvOut: UnsafeMutablePointer<Float>?, dScores: UnsafeMutablePointer<Float>?) {
        let needScores = dq != nil || dk != nil || dScores != nil
        // dK and dV arrive zeroed and accumulate over the row blocks and, with grouped
        // queries, over the query heads of a key head — so a worker owns whole groups
        // (the heads sharing one key/value slab) and no two write the same slab.
        let group = h / hk
        precondition(probs != nil || mask.bias == nil, "attention: recomputing the probabilities needs no bias")
        let blockRows = mask.causal ? Swift.min(tq, AttentionPlan.causalRowBlock) : tq
        Parallel.forEach(b * hk, workPerItem: 2 * workPerPair * group) { groups in
            // dS for a whole pair when the bias wants it, else for one row block at a time.
            let dsRows = dScores == nil ? blockRows : tq
            let ds = UnsafeMutablePointer<Float>.allocate(capacity: max(1, dsRows * tk))
            let recomputed = probs == nil ? UnsafeMutablePointer<Float>.allocate(capacity: max(1, blockRows * tk)) : nil
            defer { ds.deallocate(); recomputed?.deallocate() }
            mask.keyMask.withUnsafeBufferPointerIfPresent { keyMask in
                for pair in groups.flatMap(queryPairs) {
                    let bi = pair / h, kv = kvPair(pair)
                    let g = gradOut + pair * tq * dv
                    let qp = q + pair * tq * d, kp = k + kv * capacity * d, vp = v + kv * capacity * dv
                    for (i0, i1, limit) in rowBlocks(batch: bi) {
                        let rows = i1 - i0, gb = g + i0 * dv, dsb = ds + (dScores == nil ? 0 : i0 * tk)
                        let pb: UnsafePointer<Float>
                        if let probs {
                            pb = probs + (pair * tq + i0) * tk
                        } else {
                            probabilities(rows: i0..<i1, limit: limit, batch: bi, q: qp, k: kp, bias: nil,
                                          allowed: keyMask.map { $0.baseAddress! + bi * tk }, into: recomputed!, width: limit)
                            pb = UnsafePointer(recomputed!)
                        }
                        if let dvOut {
                            // dV[:limit] += Pᵀ dO  (limit, Dv)
                            BLAS.gemm(transA: true, transB: false, m: limit, n: dv, k: rows, a: pb, lda: tk, b: gb,
                                      beta: 1, c: dvOut + kv * capacity * dv, kind: .attention)
                        }
                        guard needScores else { continue }
                        // dP = dO Vᵀ  (rows, limit), ld Tk
                        BLAS.gemm(transA: false, transB: true, m: rows, n: limit, k: dv, a: gb, b: vp, c: dsb, ldc: tk, kind: .attention)
                        for i in 0..<rows {
                            let pr = pb + i * tk, dr = dsb + i * tk
                            let dot = VectorMath.dot(pr, dr, limit)
                            for j in 0..<limit { dr[j] = pr[j] * (dr[j] - dot) }
                            for j in limit..<tk { dr[j] = 0 }
                        }
                        if let dq {
                            // dQ = scale · dS K  (rows, D)
                            BLAS.gemm(transA: false, transB: false, m: rows, n: d, k: limit, alpha: scale, a: dsb, lda: tk,
                                      b: kp, c: dq + (pair * tq + i0) * d, kind: .attention)
                        }
                        if let dk {
                            // dK[:limit] += scale · dSᵀ Q  (limit, D)
                            BLAS.gemm(transA: true, transB: false, m: limit, n: d, k: rows, alpha: scale, a: dsb, lda: tk,
                                      b: qp + i0 * d, beta: 1, c: dk + kv * capacity * d, kind: .attention)
                        }
                    }
                    if let dScores { (dScores + pair * tq * tk).update(from: ds, count: tq * tk) }
                }
            }
        }
    }
}

extension Optional where Wrapped == [Bool] {
    /// Hands the array's buffer (or nil) to `body` for the duration of the call.
    func withUnsafeBufferPointerIfPresent<R>(_ body: (UnsafeBufferPointer<Bool>?) -> R) -> R {
        switch self {
        case .some(let array): return array.withUnsafeBufferPointer { body($0) }
        case .none: return body(nil)
        }
    }
}
