import COpenBLAS
import Foundation
import NN
import Tensor

/// A llama-architecture GGUF decoded with its weights left in their GGML blocks (mapped from
/// the file, never copied): the fast inference path. Tape-free: rows in, logits out, with a
/// KV cache per sequence, so one call is a prefill (one sequence, consecutive positions) or a
/// decoding step of several sequences (a beam search's beams, one row each).
///
/// Matrices go through `QuantizedMatrix` (activations stay f32, so the result is the
/// dequantised-weight model's up to the order of sums). Grouped-query attention, RoPE on
/// interleaved pairs (2i, 2i+1) — the converter permuted q/k rows for it —, SwiGLU, RMSNorm,
/// the head tied to the Q8_0 token embedding when the file has no `output.weight`.
public final class QuantizedLlama {
    public struct Config: Sendable {
        public var layers: Int
        public var dModel: Int
        public var hidden: Int
        public var heads: Int
        public var kvHeads: Int
        public var vocab: Int
        public var ropeBase: Float
        public var eps: Float
        public var headDim: Int { dModel / heads }
        public var kvDim: Int { kvHeads * headDim }
    }

    struct Layer {
        var attnNorm: UnsafePointer<Float>
        var ffnNorm: UnsafePointer<Float>
        var q, k, v, o, gate, up, down: QuantizedMatrix
    }

    public let config: Config
    let file: GGUFFile
    let layers: [Layer]
    let embedding: QuantizedMatrix
    let head: QuantizedMatrix
    let outputNorm: UnsafePointer<Float>
    /// RoPE's base^(−2i/headDim), i < headDim/2: fixed by the config, so computed once.
    let ropeInverseFrequencies: [Float]
    /// Bytes of weights one decoding step reads: every matrix once, the head once, one
    /// embedding row per input row (counted once here), the norms.
    public let weightBytesPerToken: Int
    /// Bytes of every tensor in the file.
    public let tensorBytes: Int

    /// Keys (layer, sequence) → (capacity positions × kvDim) floats.
    private var keys: [[UnsafeMutablePointer<Float>]] = []
    private var values: [[UnsafeMutablePointer<Float>]] = []
    public private(set) var sequences = 0
    public private(set) var capacity = 0

    public convenience init(url: URL) throws {
        try self.init(file: try GGUFFile(url: url))
    }

    /// The quantised matrices stay in `file`'s mapping (the model keeps the file open);
    /// only the KV caches and scratch rows are allocated.
    public init(file f: GGUFFile) throws {
        file = f
        let path = f.url.path
        func fail(_ reason: String) -> PretrainedLLMError { PretrainedLLMError(file: path, item: nil, reason: reason) }
        let arch = "llama"
        let c = Config(layers: try f.requireInt("\(arch).block_count"), dModel: try f.requireInt("\(arch).embedding_length"),
                       hidden: try f.requireInt("\(arch).feed_forward_length"), heads: try f.requireInt("\(arch).attention.head_count"),
                       kvHeads: try f.requireInt("\(arch).attention.head_count_kv"), vocab: 0,
                       ropeBase: Float(f.metadata["\(arch).rope.freq_base"]?.float ?? 10000),
                       eps: Float(try f.requireFloat("\(arch).attention.layer_norm_rms_epsilon")))
        guard c.layers > 0, c.dModel > 0, c.hidden > 0, c.heads > 0, c.kvHeads > 0, c.heads % c.kvHeads == 0,
              c.dModel % c.heads == 0, c.headDim % 2 == 0 else {
            throw fail("bad shape: layers \(c.layers), d \(c.dModel), ff \(c.hidden), heads \(c.heads)/\(c.kvHeads)")
        }
        func matrix(_ name: String, rows: Int, columns: Int) throws -> QuantizedMatrix {
            let t = try f.requireTensor(name)
            guard let type = QuantizedMatrix.BlockType(rawValue: Int32(t.type.rawValue)) else {
                throw PretrainedLLMError(file: path, item: name, reason: "type \(t.type.name); the quantised path reads Q8_0, Q4_0, Q4_1")
            }
            guard t.dimensions == [columns, rows] else {
                throw PretrainedLLMError(file: path, item: name, reason: "shape \(t.dimensions), expected [\(columns), \(rows)]")
            }
            return try QuantizedMatrix(type: type, rows: rows, columns: columns, bytes: f.bytes(of: t), owner: f)
        }
        func vector(_ name: String, _ n: Int) throws -> UnsafePointer<Float> {
            let t = try f.requireTensor(name)
            guard t.type == .f32, t.dimensions == [n] else {
                throw PretrainedLLMError(file: path, item: name, reason: "\(t.type.name) \(t.dimensions), expected an F32 vector of \(n)")
            }
            return f.bytes(of: t).baseAddress!.assumingMemoryBound(to: Float.self)
        }
        let embd = try f.requireTensor("token_embd.weight")
        guard embd.dimensions.count == 2 else { throw PretrainedLLMError(file: path, item: "token_embd.weight", reason: "not a matrix") }
        var config = c
        config.vocab = embd.dimensions[1]
        self.config = config
        embedding = try matrix("token_embd.weight", rows: config.vocab, columns: c.dModel)
        head = f.tensor("output.weight") != nil ? try matrix("output.weight", rows: config.vocab, columns: c.dModel) : embedding
        outputNorm = try vector("output_norm.weight", c.dModel)
        ropeInverseFrequencies = (0..<(c.headDim / 2)).map { powf(c.ropeBase, -2 * Float($0) / Float(c.headDim)) }
        layers = try (0..<c.layers).map { i in
            let p = "blk.\(i)."
            return Layer(attnNorm: try vector(p + "attn_norm.weight", c.dModel), ffnNorm: try vector(p + "ffn_norm.weight", c.dModel),
                         q: try matrix(p + "attn_q.weight", rows: c.dModel, columns: c.dModel),
                         k: try matrix(p + "attn_k.weight", rows: c.kvDim, columns: c.dModel),
                         v: try matrix(p + "attn_v.weight", rows: c.kvDim, columns: c.dModel),
                         o: try matrix(p + "attn_output.weight", rows: c.dModel, columns: c.dModel),
                         gate: try matrix(p + "ffn_gate.weight", rows: c.hidden, columns: c.dModel),
                         up: try matrix(p + "ffn_up.weight", rows: c.hidden, columns: c.dModel),
                         down: try matrix(p + "ffn_down.weight", rows: c.dModel, columns: c.hidden))
        }
        let matrices = layers.reduce(0) { $0 + [$1.q, $1.k, $1.v, $1.o, $1.gate, $1.up, $1.down].reduce(0) { $0 + $1.byteCount } }
        weightBytesPerToken = matrices + head.byteCount + (head.base == embedding.base ? 0 : embedding.rowBytes)
            + 4 * c.dModel * (2 * c.layers + 1)
        tensorBytes = f.tensorBytes
    }

    deinit {
        freeCache()
        for b in buffers { b.deallocate() }
        dequantScratch?.deallocate()
    }

    private func freeCache() {
        for l in keys { for p in l { p.deallocate() } }
        for l in values { for p in l { p.deallocate() } }
        keys = []
        values = []
    }

    /// Empties the cache and sizes it for `sequences` sequences of up to `capacity` positions.
    public func reset(sequences: Int, capacity: Int) {
        freeCache()
        let n = capacity * config.kvDim
        keys = (0..<config.layers).map { _ in (0..<sequences).map { _ in UnsafeMutablePointer<Float>.allocate(capacity: n) } }
        values = (0..<config.layers).map { _ in (0..<sequences).map { _ in UnsafeMutablePointer<Float>.allocate(capacity: n) } }
        (self.sequences, self.capacity) = (sequences, capacity)
        scratchRows = 0  // the scores buffer is sized by the capacity
    }

    /// Scratch buffers of one call, grown to the largest rows seen.
    private var scratchRows = 0
    private var buffers: [UnsafeMutablePointer<Float>] = []
    private var dequantScratch: UnsafeMutablePointer<Float>?

    private func ensureScratch(rows: Int) {
        if dequantScratch == nil {
            let biggest = max(config.hidden * config.dModel, config.dModel * config.dModel)
            dequantScratch = .allocate(capacity: biggest)
        }
        guard rows > scratchRows else { return }
        for b in buffers { b.deallocate() }
        let c = config
        // x, h, q, k, v, attn, gate, up, scores (heads × rows × capacity)
        let sizes = [c.dModel, c.dModel, c.dModel, c.kvDim, c.kvDim, c.dModel, c.hidden, c.hidden].map { $0 * rows }
            + [c.heads * rows * max(capacity, 1)]
        buffers = sizes.map { UnsafeMutablePointer<Float>.allocate(capacity: $0) }
        scratchRows = rows
    }

    /// Runs `tokens` (row r: sequence `sequence[r]`, position `position[r]`, which must be the
    /// sequence's next one or follow the previous row of the same sequence) and writes the
    /// logits of the rows in `logitRows` (vocab floats each, in that order) to `logits`.
    /// A decoding step (fewer rows than `QuantizedMatrix.sgemmRows`) runs its products on a
    /// spinning team; a prefill's go to sgemm and OpenBLAS's threads.
    public func forward(tokens: [Int32], sequence: [Int], position: [Int], logitRows: [Int],
                        logits: UnsafeMutablePointer<Float>, threads: Int = Parallel.cores) {
        guard threads > 1, tokens.count < QuantizedMatrix.sgemmRows else {
            return run(tokens: tokens, sequence: sequence, position: position, logitRows: logitRows, logits: logits,
                       threads: threads)
        }
        Parallel.withSpinningWorkers(threads) {
            run(tokens: tokens, sequence: sequence, position: position, logitRows: logitRows, logits: logits,
                threads: threads)
        }
    }

    private func run(tokens: [Int32], sequence: [Int], position: [Int], logitRows: [Int],
                     logits: UnsafeMutablePointer<Float>, threads: Int) {
        let c = config, rows = tokens.count
        precondition(rows > 0 && sequence.count == rows && position.count == rows)
        precondition(position.allSatisfy { $0 < capacity } && sequence.allSatisfy { $0 < sequences },
                     "cache holds \(sequences) sequences of \(capacity) positions: call reset first")
        ensureScratch(rows: rows)
        let (x, h, q, k, v, attn, gate, up, scores) = (buffers[0], buffers[1], buffers[2], buffers[3], buffers[4],
                                                       buffers[5], buffers[6], buffers[7], buffers[8])
        for r in 0..<rows { embedding.dequantizeRow(Int(tokens[r]), into: x + r * c.dModel) }
        let scratch = dequantScratch

        for (li, layer) in layers.enumerated() {
            rmsNorm(x, layer.attnNorm, into: h, rows: rows)
            layer.q.multiply(h, rows: rows, into: q, threads: threads, scratch: scratch)
            layer.k.multiply(h, rows: rows, into: k, threads: threads, scratch: scratch)
            layer.v.multiply(h, rows: rows, into: v, threads: threads, scratch: scratch)
            for r in 0..<rows {
                rope(q + r * c.dModel, heads: c.heads, position: position[r], inverse: ropeInverseFrequencies)
                rope(k + r * c.kvDim, heads: c.kvHeads, position: position[r], inverse: ropeInverseFrequencies)
                let at = position[r] * c.kvDim
                (keys[li][sequence[r]] + at).update(from: k + r * c.kvDim, count: c.kvDim)
                (values[li][sequence[r]] + at).update(from: v + r * c.kvDim, count: c.kvDim)
            }
            attention(layer: li, q: q, out: attn, scores: scores, rows: rows, sequence: sequence, position: position, threads: threads)
            layer.o.multiply(attn, rows: rows, into: h, threads: threads, scratch: scratch)
            for i in 0..<(rows * c.dModel) { x[i] += h[i] }
            rmsNorm(x, layer.ffnNorm, into: h, rows: rows)
            layer.gate.multiply(h, rows: rows, into: gate, threads: threads, scratch: scratch)
            layer.up.multiply(h, rows: rows, into: up, threads: threads, scratch: scratch)
            for i in 0..<(rows * c.hidden) {
                let g = gate[i]
                gate[i] = g / (1 + expf(-g)) * up[i]
            }
            layer.down.multiply(gate, rows: rows, into: h, threads: threads, scratch: scratch)
            for i in 0..<(rows * c.dModel) { x[i] += h[i] }
        }
        for (i, r) in logitRows.enumerated() { rmsNorm(x + r * c.dModel, outputNorm, into: h + i * c.dModel, rows: 1) }
        if !logitRows.isEmpty { head.multiply(h, rows: logitRows.count, into: logits, threads: threads) }
    }

    private func rmsNorm(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, rows: Int) {
        let d = config.dModel
        for r in 0..<rows {
            let xr = x + r * d, yr = y + r * d
            let scale = 1 / (VectorMath.dot(xr, xr, d) / Float(d) + config.eps).squareRoot()
            for i in 0..<d { yr[i] = xr[i] * scale * w[i] }
        }
    }

    /// RoPE on interleaved pairs (2i, 2i+1) of each head, angle position · base^(−2i/headDim).
    private func rope(_ p: UnsafeMutablePointer<Float>, heads: Int, position: Int, inverse: [Float]) {
        let hd = config.headDim
        for i in 0..<(hd / 2) {
            let angle = Float(position) * inverse[i]
            let (cs, sn) = (cosf(angle), sinf(angle))
            for hh in 0..<heads {
                let a = p + hh * hd + 2 * i
                let (x0, x1) = (a[0], a[1])
                a[0] = x0 * cs - x1 * sn
                a[1] = x0 * sn + x1 * cs
            }
        }
    }

    /// Causal attention of every row over its sequence's cache: runs of rows of one sequence
    /// at consecutive positions (a prefill) take one sgemm per head for scores and one for
    /// the values; a decoding step's rows are runs of one.
    private func attention(layer li: Int, q: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>,
                           scores: UnsafeMutablePointer<Float>, rows: Int, sequence: [Int], position: [Int], threads: Int) {
        let c = config, group = c.heads / c.kvHeads, hd = c.headDim
        let scale = 1 / Float(hd).squareRoot()
        var runs: [(start: Int, count: Int)] = []
        var r = 0
        while r < rows {
            var e = r + 1
            while e < rows && sequence[e] == sequence[r] && position[e] == position[e - 1] + 1 { e += 1 }
            runs.append((r, e - r))
            r = e
        }
        let stride = rows * max(capacity, 1)
        for run in runs {
            let seq = sequence[run.start], visibleEnd = position[run.start + run.count - 1] + 1
            let kc = keys[li][seq], vc = values[li][seq]
            let body: (Range<Int>) -> Void = { heads in
                for hh in heads {
                    let g = hh / group
                    let s = scores + hh * stride
                    // (count, visibleEnd) = q rows of this head · cached keys of its KV head
                    FLOPCounter.add(.attention, m: 2 * run.count, n: visibleEnd, k: hd)  // and P·V below
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(run.count), Int32(visibleEnd), Int32(hd), scale,
                                q + run.start * c.dModel + hh * hd, Int32(c.dModel), kc + g * hd, Int32(c.kvDim),
                                0, s, Int32(visibleEnd))
                    for i in 0..<run.count {
                        VectorMath.softmaxRow(s + i * visibleEnd, visible: position[run.start + i] + 1, total: visibleEnd)
                    }
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(run.count), Int32(hd), Int32(visibleEnd), 1,
                                s, Int32(visibleEnd), vc + g * hd, Int32(c.kvDim), 0,
                                out + run.start * c.dModel + hh * hd, Int32(c.dModel))
                }
            }
            if threads <= 1 {
                Parallel.withBLASThreads(1) { body(0..<c.heads) }
            } else {
                Parallel.forEach(c.heads, workPerItem: 4 * run.count * visibleEnd * hd, body)
            }
        }
    }
}
