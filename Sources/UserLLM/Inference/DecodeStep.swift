import Foundation
import NN
import Tensor

/// One decoding step for the live rows (beams) of one prompt, run on buffers allocated once:
/// no tape, no Tensor per op, no allocation once the buffers fit. `IncrementalDecoder` owns
/// one and drives it.
///
/// The prompt's keys and values stay in the batch-1 caches of the prefill, which every row
/// reads; the keys and values of generated tokens go to a pool with one slot per (step, row),
/// and each row keeps the list of its slots (`paths`). Following a parent beam therefore
/// copies a few slot numbers, never cached keys, and a finished beam simply has no row.
///
/// Per layer, for n rows at position P = prompt + s (the same for every row):
///
///   xn = rms(x);  q, k, v = xn·Wqᵀ, xn·Wkᵀ, xn·Wvᵀ     one dispatch; k, v straight into the pool
///   RoPE(q, k) at P
///   o = softmax(q·Kᵀ/√Dh)·V over the prompt (one product for all rows per head) and the row's
///     own generated tokens;  x += o·Woᵀ                   the residual add rides in the product
///   cross:  x += tanh(α)·(attn(rms(x)·Wqᵀ, U)·Woᵀ)
///   x += (silu(xn·W1ᵀ) ⊙ xn·W3ᵀ)·W2ᵀ, xn = rms(x)        W1, W3 in one dispatch
///
/// then logits = rms(x)·Eᵀ. Each op uses the training path's formulas (the same exp, norm and
/// RoPE tables), so results agree with it to float rounding (tested to 1e-5).
final class DecodeStep {
    /// One block's weights, read at `bind` (LoRA adapters merged into their projection).
    struct Block {
        var attnNorm, wq, wk, wv, wo, mlpNorm, w1, w2, w3: Tensor
        var crossNorm, crossQ, crossO: Tensor?
        var gate: Float
    }

    let config: LanguageModelConfig
    private let d, heads, headDim, hidden, vocab: Int
    private var blocks: [Block] = []
    private var finalNorm: Tensor
    private var embedding: Tensor
    private let inverseFrequencies: [Float]

    /// Rows computed by the next step (live beams).
    private(set) var rows = 1
    /// Tokens generated so far (steps taken since `reset`).
    private(set) var generated = 0
    /// Buffer sizes: rows, generated tokens, keys per row (prompt + generated).
    private(set) var rowCapacity = 0
    private(set) var generatedCapacity = 0
    private var keyCapacity = 0

    private var x = Tensor.empty([0]), normed = Tensor.empty([0]), queries = Tensor.empty([0])
    private var attended = Tensor.empty([0]), gateHidden = Tensor.empty([0]), upHidden = Tensor.empty([0])
    private var scores = Tensor.empty([0]), rope = Tensor.empty([0])
    /// Per layer, (generatedCapacity · rowCapacity, d): slot s·rowCapacity + r holds the key
    /// (value) of row r's token of step s.
    private var poolKeys: [Tensor] = [], poolValues: [Tensor] = []
    /// (rowCapacity, generatedCapacity) slot numbers of each row's generated tokens, and the
    /// buffer a reorder writes into before the two swap.
    private var paths = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
    private var nextPaths = UnsafeMutablePointer<Int32>.allocate(capacity: 1)

    init(model: LanguageModel) {
        config = model.config
        (d, heads, hidden, vocab) = (config.dModel, config.heads, config.mlpHidden, config.vocabSize)
        headDim = d / heads
        let (half, base, width) = (headDim / 2, config.ropeBase, Float(headDim))
        // As `Tensor.rotary` computes them, so positions rotate identically.
        inverseFrequencies = (0..<half).map { i in 1 / Foundation.pow(base, Float(2 * i) / width) }
        finalNorm = model.norm.weight
        embedding = model.tokenEmbedding.weight
        bind(model)
    }

    deinit {
        paths.deallocate()
        nextPaths.deallocate()
    }

    /// Reads the model's weights as they are now (training may have moved them since).
    func bind(_ model: LanguageModel) {
        func weight(_ layer: Linear) -> Tensor {
            precondition(layer.bias == nil, "the decoding step assumes the model's bias-free projections")
            return (layer as? LoRALinear)?.merged().weight ?? layer.weight
        }
        finalNorm = model.norm.weight
        embedding = model.tokenEmbedding.weight
        blocks = model.blocks.map { b in
            guard let attnNorm = b.attnNorm as? RMSNorm, let mlpNorm = b.mlpNorm as? RMSNorm, let mlp = b.mlp as? SwiGLUMLP else {
                preconditionFailure("the decoding step runs Llama-style blocks (RMSNorm, SwiGLU)")
            }
            return Block(attnNorm: attnNorm.weight, wq: weight(b.attn.wq), wk: weight(b.attn.wk), wv: weight(b.attn.wv),
                         wo: weight(b.attn.wo), mlpNorm: mlpNorm.weight, w1: weight(mlp.w1), w2: weight(mlp.w2),
                         w3: weight(mlp.w3), crossNorm: b.xattn?.norm.weight, crossQ: b.xattn.map { weight($0.attn.wq) },
                         crossO: b.xattn.map { weight($0.attn.wo) }, gate: b.xattn.map { Foundation.tanh($0.gate.pointer[0]) } ?? 0)
        }
    }

    /// Forgets the generated tokens: the next step follows the prompt alone, in one row.
    func reset() {
        rows = 1
        generated = 0
    }

    /// Makes the buffers hold `rows` rows of `generated` tokens after a prompt of
    /// `promptLength` positions, cross-attending to `userRows` rows; reallocates only when
    /// they are too small. Before the first step.
    func reserve(rows wantedRows: Int, generated wantedGenerated: Int, promptLength: Int, userRows: Int) {
        precondition(generated == 0, "reserve before the first step")
        let r = max(wantedRows, rowCapacity), g = max(wantedGenerated, generatedCapacity)
        let keys = max(promptLength + g, userRows, keyCapacity)
        if r > rowCapacity || g > generatedCapacity {
            (rowCapacity, generatedCapacity) = (r, g)
            poolKeys = (0..<config.layers).map { _ in Tensor.empty([g * r, d]) }
            poolValues = (0..<config.layers).map { _ in Tensor.empty([g * r, d]) }
            paths.deallocate()
            nextPaths.deallocate()
            paths = .allocate(capacity: r * g)
            nextPaths = .allocate(capacity: r * g)
            x = Tensor.empty([r, d])
            normed = Tensor.empty([r, d])
            queries = Tensor.empty([r, d])
            attended = Tensor.empty([r, d])
            gateHidden = Tensor.empty([r, hidden])
            upHidden = Tensor.empty([r, hidden])
            rope = Tensor.empty([headDim])
        }
        if r > rowCapacity || keys > keyCapacity || scores.count < heads * r * keys {
            keyCapacity = keys
            scores = Tensor.empty([heads, r, keys])
        }
    }

    /// Row i of the next step continues old row `sources[i]`; the number of rows may change
    /// (finished beams drop out, others branch). Copies slot lists only.
    func reorder(_ sources: UnsafeBufferPointer<Int>) {
        precondition(!sources.isEmpty, "reorder to no rows")
        precondition(generated == 0 || sources.count <= rowCapacity,
                     "\(sources.count) rows after the first step; reserve \(rowCapacity) or more before it")
        if generated > 0 {
            let g = generatedCapacity
            for (i, s) in sources.enumerated() {
                precondition(s >= 0 && s < rows, "source row \(s) of \(rows)")
                (nextPaths + i * g).update(from: paths + s * g, count: generated)
            }
            swap(&paths, &nextPaths)
        } else {
            for s in sources { precondition(s >= 0 && s < rows, "source row \(s) of \(rows)") }
        }
        rows = sources.count
    }

    /// Runs one token per row through the model and writes the logits (rows, V) to `logits`.
    /// `prompt`: the prefill's caches, their first `promptLength` positions filled; `masked`:
    /// prompt positions no query may see (a soft prompt's padding); `contexts`: the user's
    /// cross-attention keys and values per layer (batch 1), `userLength` of their rows real.
    func forward(tokens: UnsafeBufferPointer<Int32>, prompt: [KVCache], promptLength: Int, masked: Range<Int>?,
                 contexts: [CrossAttentionContext]?, userLength: Int?, logits: UnsafeMutablePointer<Float>) {
        let n = rows, s = generated
        precondition(tokens.count == n, "\(tokens.count) tokens for \(n) rows")
        precondition(n <= rowCapacity && s < generatedCapacity && promptLength + s + 1 <= keyCapacity,
                     "decoding step beyond the reserved buffers")
        for (r, token) in tokens.enumerated() {
            precondition(token >= 0 && Int(token) < vocab, "token \(token) outside the vocabulary of \(vocab)")
            (x.pointer + r * d).update(from: embedding.pointer + Int(token) * d, count: d)
            paths[r * generatedCapacity + s] = Int32(s * rowCapacity + r)
        }
        fillRotation(position: promptLength + s)
        for (l, block) in blocks.enumerated() {
            rmsNorm(x.pointer, block.attnNorm.pointer, rows: n)
            let slots = s * rowCapacity * d
            let newKeys = poolKeys[l].pointer + slots, newValues = poolValues[l].pointer + slots
            project(rows: n, in: d, normed.pointer, (block.wq, d, queries.pointer), (block.wk, d, newKeys),
                    (block.wv, d, newValues))
            rotate(queries.pointer, rows: n)
            rotate(newKeys, rows: n)
            selfAttention(layer: l, rows: n, cache: prompt[l], promptLength: promptLength, masked: masked)
            BLAS.gemm(transA: false, transB: true, m: n, n: d, k: d, a: attended.pointer, b: block.wo.pointer,
                      beta: 1, c: x.pointer)
            if let crossNorm = block.crossNorm, let crossQ = block.crossQ, let crossO = block.crossO, let contexts {
                rmsNorm(x.pointer, crossNorm.pointer, rows: n)
                BLAS.gemm(transA: false, transB: true, m: n, n: d, k: d, a: normed.pointer, b: crossQ.pointer,
                          c: queries.pointer)
                crossAttention(contexts[l], rows: n, userLength: userLength)
                BLAS.gemm(transA: false, transB: true, m: n, n: d, k: d, alpha: block.gate, a: attended.pointer,
                          b: crossO.pointer, beta: 1, c: x.pointer)
            }
            rmsNorm(x.pointer, block.mlpNorm.pointer, rows: n)
            project(rows: n, in: d, normed.pointer, (block.w1, hidden, gateHidden.pointer), (block.w3, hidden, upHidden.pointer))
            swiGLU(rows: n)
            BLAS.gemm(transA: false, transB: true, m: n, n: d, k: hidden, a: gateHidden.pointer, b: block.w2.pointer,
                      beta: 1, c: x.pointer)
        }
        rmsNorm(x.pointer, finalNorm.pointer, rows: n)
        BLAS.gemm(transA: false, transB: true, m: n, n: vocab, k: d, a: normed.pointer, b: embedding.pointer, c: logits)
        generated += 1
    }

    // MARK: - The step's ops

    /// normed = x · rsqrt(mean(x²) + eps) · w, as `Tensor.rmsNorm`.
    private func rmsNorm(_ src: UnsafePointer<Float>, _ weight: UnsafePointer<Float>, rows n: Int) {
        let eps = config.normEps, dst = normed.pointer
        for r in 0..<n {
            let xr = src + r * d, yr = dst + r * d
            let rinv = 1 / (VectorMath.dot(xr, xr, d) / Float(d) + eps).squareRoot()
            for j in 0..<d { yr[j] = xr[j] * rinv * weight[j] }
        }
    }

    /// `input` (n, k) times two or three (out, k) weights, each into its output (n, out).
    private func project(rows n: Int, in k: Int, _ input: UnsafePointer<Float>,
                         _ a: (Tensor, Int, UnsafeMutablePointer<Float>), _ b: (Tensor, Int, UnsafeMutablePointer<Float>),
                         _ c: (Tensor, Int, UnsafeMutablePointer<Float>)? = nil) {
        guard n <= SmallRowsGemm.maxRows else {
            for (w, out, dst) in [a, b] + (c.map { [$0] } ?? []) {
                BLAS.gemm(transA: false, transB: true, m: n, n: out, k: k, a: input, b: w.pointer, c: dst)
            }
            return
        }
        func product(_ p: (Tensor, Int, UnsafeMutablePointer<Float>)) -> SmallRowsGemm.Product {
            SmallRowsGemm.Product(b: p.0.pointer, n: p.1, c: p.2, ldc: p.1)
        }
        SmallRowsGemm.multiply(m: n, k: k, a: input, lda: k, product(a), product(b), c.map(product))
    }

    /// cos θ then sin θ for each frequency at `position`, as `Tensor.rotaryTables`.
    private func fillRotation(position: Int) {
        let half = headDim / 2, table = rope.pointer
        for i in 0..<half {
            let angle = Double(Float(position) * inverseFrequencies[i])
            table[i] = Float(Foundation.cos(angle))
            table[half + i] = Float(Foundation.sin(angle))
        }
    }

    /// RoPE (rotate-half) in place on every head of `rows` rows of width d.
    private func rotate(_ p: UnsafeMutablePointer<Float>, rows n: Int) {
        let half = headDim / 2, cosines = rope.pointer, sines = rope.pointer + half
        for pair in 0..<(n * heads) {
            let x1 = p + pair * headDim, x2 = x1 + half
            for i in 0..<half {
                let (a, b) = (x1[i], x2[i])
                x1[i] = a * cosines[i] - b * sines[i]
                x2[i] = b * cosines[i] + a * sines[i]
            }
        }
    }

    /// gateHidden = silu(gateHidden) ⊙ upHidden over n rows, the training path's exp.
    private func swiGLU(rows n: Int) {
        let g = gateHidden.pointer, u = upHidden.pointer, count = n * hidden
        var i = 0
        while i + 8 <= count {
            let v = UnsafeRawPointer(g + i).loadUnaligned(as: VectorMath.Vec.self)
            let up = UnsafeRawPointer(u + i).loadUnaligned(as: VectorMath.Vec.self)
            let silu = v / (1 + VectorMath.exp(-v))
            UnsafeMutableRawPointer(g + i).storeBytes(of: silu * up, as: VectorMath.Vec.self)
            i += 8
        }
        while i < count {
            let silu = g[i] / (1 + VectorMath.exp(-g[i]))
            g[i] = silu * u[i]
            i += 1
        }
    }

    /// attended = each row's causal self-attention: the prompt's keys (shared by every row)
    /// and the row's own generated ones, the current token's included. Heads run in parallel.
    private func selfAttention(layer l: Int, rows n: Int, cache: KVCache, promptLength: Int, masked: Range<Int>?) {
        let s = generated, keys = promptLength + s + 1, g = generatedCapacity
        let scale = 1 / Float(headDim).squareRoot()
        let poolK = poolKeys[l].pointer, poolV = poolValues[l].pointer
        let q = queries.pointer, out = attended.pointer, paths = self.paths
        Parallel.forEach(heads, workPerItem: 4 * n * keys * headDim) { range in
            for h in range {
                let sc = scores.pointer + h * rowCapacity * keyCapacity
                let promptKeys = cache.keys.pointer + h * cache.capacity * headDim
                let promptValues = cache.values.pointer + h * cache.capacity * headDim
                let qh = q + h * headDim, oh = out + h * headDim
                // S[:, :prompt] = scale · Q Kᵀ for every row at once  (n, prompt), ld keyCapacity
                BLAS.gemm(transA: false, transB: true, m: n, n: promptLength, k: headDim, alpha: scale, a: qh, lda: d,
                          b: promptKeys, ldb: headDim, c: sc, ldc: keyCapacity)
                for r in 0..<n {
                    let row = sc + r * keyCapacity, qr = qh + r * d, path = paths + r * g
                    for j in 0...s {
                        row[promptLength + j] = scale * VectorMath.dot(qr, poolK + Int(path[j]) * d + h * headDim, headDim)
                    }
                    if let masked { for j in masked { row[j] = -.infinity } }
                    Self.softmax(row, keys)
                }
                // O = P[:, :prompt] · V  (n, Dh), ld d; then each row's own tokens.
                if promptLength == 0 {
                    // (BLAS would clear whole rows of ldc, other heads' columns included.)
                    for r in 0..<n { (oh + r * d).update(repeating: 0, count: headDim) }
                } else {
                    BLAS.gemm(transA: false, transB: false, m: n, n: headDim, k: promptLength, a: sc, lda: keyCapacity,
                              b: promptValues, ldb: headDim, c: oh, ldc: d)
                }
                for r in 0..<n {
                    let row = sc + r * keyCapacity + promptLength, o = oh + r * d, path = paths + r * g
                    for j in 0...s {
                        let v = poolV + Int(path[j]) * d + h * headDim, p = row[j]
                        for i in 0..<headDim { o[i] += p * v[i] }
                    }
                }
            }
        }
    }

    /// attended = each row's attention to the user's `userLength` real context rows.
    private func crossAttention(_ context: CrossAttentionContext, rows n: Int, userLength: Int?) {
        let m = context.keys.shape[2], visible = min(m, userLength ?? m)
        let scale = 1 / Float(headDim).squareRoot()
        let q = queries.pointer, out = attended.pointer
        Parallel.forEach(heads, workPerItem: 4 * n * visible * headDim) { range in
            for h in range {
                let sc = scores.pointer + h * rowCapacity * keyCapacity
                let keys = context.keys.pointer + h * m * headDim, values = context.values.pointer + h * m * headDim
                BLAS.gemm(transA: false, transB: true, m: n, n: visible, k: headDim, alpha: scale, a: q + h * headDim,
                          lda: d, b: keys, ldb: headDim, c: sc, ldc: keyCapacity)
                for r in 0..<n { Self.softmax(sc + r * keyCapacity, visible) }
                if visible == 0 {
                    for r in 0..<n { (out + h * headDim + r * d).update(repeating: 0, count: headDim) }
                    continue
                }
                BLAS.gemm(transA: false, transB: false, m: n, n: headDim, k: visible, a: sc, lda: keyCapacity,
                          b: values, ldb: headDim, c: out + h * headDim, ldc: d)
            }
        }
    }

    /// Scores to probabilities in place, as the attention kernel's rows (nothing visible: 0).
    private static func softmax(_ row: UnsafeMutablePointer<Float>, _ n: Int) {
        let maxScore = VectorMath.max(row, n)
        if maxScore == -.infinity {
            for j in 0..<n { row[j] = 0 }
            return
        }
        let inv = 1 / VectorMath.expShifted(row, row, n, shift: maxScore)
        for j in 0..<n { row[j] *= inv }
    }
}
