import Foundation
import NN
import Tensor

/// A decoding pass for the rows (beams) of one prompt, run on buffers allocated once: no
/// tape, no Tensor per op, no allocation once the buffers fit. `IncrementalDecoder` owns
/// one and drives it.
///
/// The prompt's keys and values stay in the batch-1 caches of the prefill, which every row
/// reads; the keys and values of generated tokens go to a pool of slots, and each row keeps
/// the list of its slots (`paths`). Following a parent beam therefore copies a few slot
/// numbers, never cached keys, and a finished beam simply has no row.
///
/// A pass feeds each row one or more tokens (a beam whose next tokens are already known —
/// a forced path of the answer trie — gets them all at once): every fed token is a
/// "position" with its own query and its own slot list (the row's slots, then the
/// positions before it in this pass), so all positions share one pass over the weights.
///
/// Per layer, for the N positions of a pass:
///
///   xn = rms(x);  q, k, v = xn·Wqᵀ, xn·Wkᵀ, xn·Wvᵀ     one dispatch; k, v straight into the pool
///   RoPE(q, k) at each position's index
///   o = softmax(q·Kᵀ/√Dh)·V over the prompt (one product for all positions per head) and the
///     position's own slots;  x += o·Woᵀ                  the residual add rides in the product
///   cross:  x += tanh(α)·(attn(rms(x)·Wqᵀ, U)·Woᵀ)
///   x += (silu(xn·W1ᵀ) ⊙ xn·W3ᵀ)·W2ᵀ, xn = rms(x)        W1, W3 in one dispatch
///
/// then logits = rms(x)·Eᵀ for every position. Each op uses the training path's formulas
/// (the same exp, norm and RoPE tables), so results agree with it to float rounding (tested
/// to 1e-5); a position's result does not depend on the other positions of its pass.
final class DecodeStep {
    /// One block's weights, read at `bind` (LoRA adapters merged into their projection).
    struct Block {
        var attnNorm, mlpNorm: Tensor
        var wq, wk, wv, wo, w1, w2, w3: DecodeWeight
        var crossNorm: Tensor?
        var crossQ, crossO: DecodeWeight?
        var gate: Float
    }

    let config: LanguageModelConfig
    let d, heads, headDim, hidden, vocab: Int
    /// Key/value heads (grouped-query attention when fewer than `heads`) and their width.
    let kvHeads, kvDim: Int
    private var blocks: [Block] = []
    private var finalNorm: Tensor
    /// The token table, which is also the tied head's weight: f32, or quantised blocks when frozen.
    private var embedding: DecodeWeight
    /// The tied head's weight: the table, or its copy packed for tile products.
    private var head: DecodeWeight
    private let inverseFrequencies: [Float]

    /// Rows of the next pass (live beams).
    private(set) var rows = 1
    /// Tokens each row has been fed (the slots on its path), and the buffer a reorder
    /// writes into.
    private var pathLengths: [Int] = [0]
    private var nextPathLengths: [Int] = [0]
    /// Slots used since `reset` (a pass takes the next N, in position order).
    private(set) var slotsUsed = 0
    /// Buffer sizes: rows; tokens a row may be fed; positions in one pass; keys per position
    /// (prompt + generated, or the user's rows); prompt length the rotation table is for.
    private(set) var rowCapacity = 0
    private(set) var generatedCapacity = 0
    private(set) var positionCapacity = 0
    var keyCapacity = 0
    private var rotationPrompt = -1

    var x = Tensor.empty([0]), normed = Tensor.empty([0]), queries = Tensor.empty([0])
    var attended = Tensor.empty([0]), gateHidden = Tensor.empty([0]), upHidden = Tensor.empty([0])
    var scores = Tensor.empty([0])
    /// cos θ then sin θ per generated position (promptLength + i), (generatedCapacity, Dh).
    var rotation = Tensor.empty([0])
    /// Per layer, (rowCapacity · generatedCapacity, kvDim): one slot per token fed in a search.
    var poolKeys: [Tensor] = [], poolValues: [Tensor] = []
    /// (rowCapacity, generatedCapacity) slot numbers of each row's fed tokens, and the buffer
    /// a reorder writes into before the two swap.
    private var paths = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
    private var nextPaths = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
    /// (positionCapacity, generatedCapacity): each position's slots, its own last; and their counts.
    var positionPaths = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
    var positionLengths = UnsafeMutablePointer<Int>.allocate(capacity: 1)
    /// A packed product's bf16 copy of its input: 2 · positionCapacity · max(d, hidden).
    var tileScratch = UnsafeMutablePointer<UInt16>.allocate(capacity: 1)
    /// The attention call in flight (see `AttentionCall`).
    var call = AttentionCall()

    init(model: LanguageModel) {
        config = model.config
        (d, heads, hidden, vocab) = (config.dModel, config.heads, config.mlpHidden, config.vocabSize)
        headDim = d / heads
        kvHeads = config.kvHeads
        kvDim = kvHeads * headDim
        let (half, base, width) = (headDim / 2, config.ropeBase, Float(headDim))
        // As `Tensor.rotary` computes them, so positions rotate identically.
        inverseFrequencies = (0..<half).map { i in 1 / Foundation.pow(base, Float(2 * i) / width) }
        finalNorm = model.norm.weight
        embedding = DecodeWeight(model.tokenEmbedding)
        head = DecodeWeight(head: model.tokenEmbedding)
        bind(model)
    }

    deinit {
        paths.deallocate()
        nextPaths.deallocate()
        positionPaths.deallocate()
        positionLengths.deallocate()
        tileScratch.deallocate()
    }

    /// Reads the model's weights as they are now (training may have moved them since).
    /// Weights the model keeps as quantised blocks (`LanguageModel.keepQuantized`) are read
    /// as blocks; LoRA adapters are merged into their projection.
    func bind(_ model: LanguageModel) {
        func weight(_ layer: Linear) -> DecodeWeight {
            precondition(layer.bias == nil, "the decoding step assumes the model's bias-free projections")
            if let lora = layer as? LoRALinear { return .dense(lora.merged().weight) }
            return DecodeWeight(layer)
        }
        finalNorm = model.norm.weight
        embedding = DecodeWeight(model.tokenEmbedding)
        head = DecodeWeight(head: model.tokenEmbedding)
        blocks = model.blocks.enumerated().map { i, b in
            guard let attnNorm = b.attnNorm as? RMSNorm, let mlpNorm = b.mlpNorm as? RMSNorm, let mlp = b.mlp as? SwiGLUMLP else {
                preconditionFailure("the decoding step runs Llama-style blocks (RMSNorm, SwiGLU)")
            }
            return Block(attnNorm: attnNorm.weight, mlpNorm: mlpNorm.weight,
                         wq: weight(b.attn.wq), wk: weight(b.attn.wk), wv: weight(b.attn.wv), wo: weight(b.attn.wo),
                         w1: weight(mlp.w1), w2: weight(mlp.w2), w3: weight(mlp.w3), crossNorm: b.xattn?.norm.weight,
                         crossQ: b.xattn.map { weight($0.attn.wq) }, crossO: b.xattn.map { weight($0.attn.wo) },
                         gate: b.xattn.map { Foundation.tanh($0.gate.pointer[0]) } ?? 0)
        }
    }

    /// Forgets the generated tokens: the next pass follows the prompt alone, in one row.
    func reset() {
        rows = 1
        for i in pathLengths.indices { pathLengths[i] = 0 }
        slotsUsed = 0
    }

    /// Tokens row r has been fed.
    func pathLength(of r: Int) -> Int { slotsUsed == 0 ? 0 : pathLengths[r] }

    /// The longest path: tokens generated after the prompt.
    var generated: Int { slotsUsed == 0 ? 0 : pathLengths[0..<rows].max() ?? 0 }

    /// Makes the buffers hold `rows` rows fed at most `generated` tokens each after a prompt
    /// of `promptLength` positions, passes of up to `positions` tokens, and cross-attention
    /// to `userRows` rows; reallocates only what is too small. Before the first pass.
    func reserve(rows wantedRows: Int, generated wantedGenerated: Int, positions wantedPositions: Int,
                 promptLength: Int, userRows: Int) {
        precondition(slotsUsed == 0, "reserve before the first pass")
        let r = max(wantedRows, rowCapacity), g = max(wantedGenerated, generatedCapacity)
        let p = max(wantedPositions, r, positionCapacity)
        let keys = max(promptLength + g, userRows, keyCapacity)
        // Decided before any size changes: the position tables' rows are generatedCapacity long too.
        let growRows = r > rowCapacity || g > generatedCapacity
        let growPositions = p > positionCapacity || g > generatedCapacity
        if growRows {
            (rowCapacity, generatedCapacity) = (r, g)
            poolKeys = (0..<config.layers).map { _ in Tensor.empty([g * r, kvDim]) }
            poolValues = (0..<config.layers).map { _ in Tensor.empty([g * r, kvDim]) }
            paths.deallocate()
            nextPaths.deallocate()
            paths = .allocate(capacity: r * g)
            nextPaths = .allocate(capacity: r * g)
            rotation = Tensor.empty([g, headDim])
            rotationPrompt = -1
            pathLengths = [Int](repeating: 0, count: r)
            nextPathLengths = pathLengths
        }
        if growPositions {
            positionCapacity = p
            x = Tensor.empty([p, d])
            normed = Tensor.empty([p, d])
            queries = Tensor.empty([p, d])
            attended = Tensor.empty([p, d])
            gateHidden = Tensor.empty([p, hidden])
            upHidden = Tensor.empty([p, hidden])
            positionPaths.deallocate()
            positionLengths.deallocate()
            positionPaths = .allocate(capacity: p * g)
            positionLengths = .allocate(capacity: p)
            tileScratch.deallocate()
            tileScratch = .allocate(capacity: 2 * p * max(d, hidden))
        }
        if keys > keyCapacity || scores.count < heads * p * keys {
            keyCapacity = keys
            scores = Tensor.empty([heads, p, keys])
        }
        if rotationPrompt != promptLength {
            fillRotation(promptLength: promptLength)
            rotationPrompt = promptLength
        }
    }

    /// Row i of the next pass continues old row `sources[i]`; the number of rows may change
    /// (finished beams drop out, others branch). Copies slot lists only.
    func reorder(_ sources: UnsafeBufferPointer<Int>) {
        precondition(!sources.isEmpty, "reorder to no rows")
        precondition(slotsUsed == 0 || sources.count <= rowCapacity,
                     "\(sources.count) rows after the first pass; reserve \(rowCapacity) or more before it")
        for s in sources { precondition(s >= 0 && s < rows, "source row \(s) of \(rows)") }
        if slotsUsed > 0 {
            let g = generatedCapacity
            for (i, s) in sources.enumerated() {
                (nextPaths + i * g).update(from: paths + s * g, count: pathLengths[s])
                nextPathLengths[i] = pathLengths[s]
            }
            swap(&paths, &nextPaths)
            swap(&pathLengths, &nextPathLengths)
        } else {
            while pathLengths.count < sources.count { pathLengths.append(0) }
        }
        rows = sources.count
    }

    /// Feeds row r `counts[r]` tokens (`tokens`, row after row) and writes the logits of
    /// every position, (N = Σ counts, V), to `logits`. `prompt`: the prefill's caches, their
    /// first `promptLength` positions filled; `masked`: prompt positions no query may see (a
    /// soft prompt's padding); `contexts`: the user's cross-attention keys and values per
    /// layer (batch 1), `userLength` of their rows real.
    func forward(tokens: UnsafeBufferPointer<Int32>, counts: UnsafeBufferPointer<Int>, prompt: [KVCache],
                 promptLength: Int, masked: Range<Int>?, contexts: [CrossAttentionContext?]?, userLength: Int?,
                 logits: UnsafeMutablePointer<Float>) {
        precondition(counts.count == rows, "\(counts.count) token counts for \(rows) rows")
        let n = tokens.count, g = generatedCapacity
        precondition(n == counts.reduce(0, +) && counts.allSatisfy { $0 >= 1 }, "every row is fed at least one token")
        precondition(rows <= rowCapacity && n <= positionCapacity && slotsUsed + n <= rowCapacity * g,
                     "decoding pass beyond the reserved buffers")
        // Each position's slot list: its row's path, the positions before it in this pass, itself.
        var position = 0
        for (r, count) in counts.enumerated() {
            let rowPath = paths + r * g, start = pathLengths[r]
            precondition(start + count <= g && promptLength + start + count <= keyCapacity,
                         "row \(r) fed beyond the \(g) tokens reserved")
            for j in 0..<count {
                let path = positionPaths + position * g
                path.update(from: rowPath, count: start)
                for i in 0..<j { path[start + i] = Int32(slotsUsed + position - j + i) }
                path[start + j] = Int32(slotsUsed + position)
                positionLengths[position] = start + j + 1
                let token = tokens[position]
                precondition(token >= 0 && Int(token) < vocab, "token \(token) outside the vocabulary of \(vocab)")
                embedding.row(Int(token), into: x.pointer + position * d)
                position += 1
            }
        }
        for (l, block) in blocks.enumerated() {
            rmsNorm(x.pointer, block.attnNorm.pointer, rows: n)
            // This pass's slots follow each other in position order: k and v go straight there.
            let newKeys = poolKeys[l].pointer + slotsUsed * kvDim, newValues = poolValues[l].pointer + slotsUsed * kvDim
            project(rows: n, in: d, normed.pointer, (block.wq, d, queries.pointer), (block.wk, kvDim, newKeys),
                    (block.wv, kvDim, newValues))
            rotate(queries.pointer, rows: n, heads: heads)
            rotate(newKeys, rows: n, heads: kvHeads)
            selfAttention(layer: l, positions: n, cache: prompt[l], promptLength: promptLength, masked: masked)
            // queries is free once attended: the scratch of a quantised accumulation.
            block.wo.multiply(attended.pointer, rows: n, in: d, out: d, into: x.pointer, accumulate: true, scratch: queries.pointer,
                             tileScratch: tileScratch)
            if let crossNorm = block.crossNorm, let crossQ = block.crossQ, let crossO = block.crossO, let context = contexts?[l] ?? nil {
                rmsNorm(x.pointer, crossNorm.pointer, rows: n)
                crossQ.multiply(normed.pointer, rows: n, in: d, out: d, into: queries.pointer, tileScratch: tileScratch)
                crossAttention(context, positions: n, userLength: userLength)
                // queries is free once attended: the scratch of the gated accumulation.
                crossO.multiply(attended.pointer, rows: n, in: d, out: d, into: x.pointer, accumulate: true, alpha: block.gate,
                                scratch: queries.pointer, tileScratch: tileScratch)
            }
            rmsNorm(x.pointer, block.mlpNorm.pointer, rows: n)
            project(rows: n, in: d, normed.pointer, (block.w1, hidden, gateHidden.pointer), (block.w3, hidden, upHidden.pointer))
            swiGLU(rows: n)
            block.w2.multiply(gateHidden.pointer, rows: n, in: hidden, out: d, into: x.pointer, accumulate: true,
                              scratch: normed.pointer, tileScratch: tileScratch)
        }
        rmsNorm(x.pointer, finalNorm.pointer, rows: n)
        head.multiply(normed.pointer, rows: n, in: d, out: vocab, into: logits, tileScratch: tileScratch)
        // Each row's path is now its last position's.
        position = 0
        for (r, count) in counts.enumerated() {
            position += count
            pathLengths[r] = positionLengths[position - 1]
            (paths + r * g).update(from: positionPaths + (position - 1) * g, count: pathLengths[r])
        }
        slotsUsed += n
    }

    /// cos θ then sin θ of every generated position's angles, as `Tensor.rotaryTables`
    /// computes them (float angle, then cos and sin in double).
    private func fillRotation(promptLength: Int) {
        let half = headDim / 2
        for i in 0..<generatedCapacity {
            let table = rotation.pointer + i * headDim
            for f in 0..<half {
                let angle = Double(Float(promptLength + i) * inverseFrequencies[f])
                table[f] = Float(Foundation.cos(angle))
                table[half + f] = Float(Foundation.sin(angle))
            }
        }
    }
}
