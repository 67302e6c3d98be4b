import Foundation
import NN
import Tensor

/// Tape-free incremental decoding of one prompt (one user) in `rows` parallel rows (beams
/// or samples), built for the inference path:
///
///   prefill: the prompt once, batch 1  → KV caches (1, H, P + T, Dh); logits of the LAST
///            position only (the head on every prompt position would cost T·d·V for nothing)
///   expand:  the caches tiled to K rows once; the user's cross-attention K/V, projected once
///            at init, tiled to K rows once
///   step:    one token per row, all rows in one batched call; logits (K, V) written into a
///            buffer allocated once
///   reorder: rows follow their parent beams; only the filled cache rows move, once each
///            (plus overwritten parents, saved first in a scratch buffer allocated once)
///
/// Caches and scratch are kept between prompts (`start` reuses them while they are big
/// enough), so an evaluator decoding user after user allocates them once. What still
/// allocates per step are the engine's op outputs (each Tensor op returns a fresh tensor).
/// Equals `LanguageModel`'s forward on the same positions (tested to 1e-5).
public final class IncrementalDecoder {
    public let model: LanguageModel
    /// Positions filled so far (prefix included).
    public var length: Int { active.first?.length ?? 0 }
    /// Current batch rows: 1 after `start`/`prefill`, K after `expand(to:)`.
    public private(set) var rows = 1
    /// FLOPs of everything run since `start` (context projection, prefill, steps).
    public private(set) var flops = FLOPCount.zero
    /// Positions the caches hold; grows (reallocating) when a longer prompt comes.
    public private(set) var capacity = 0

    private var single: [KVCache] = []
    private var batched: [KVCache] = []
    private var active: [KVCache] = []
    private var scratch: Tensor?
    /// Logits buffers by row count (1 for prefill, K for steps), each allocated once.
    private var logitsBuffers: [Int: Tensor] = [:]
    private var userContext: [CrossAttentionContext]?
    private var contexts: [CrossAttentionContext]?
    private var userRows = 0
    private var prefixSize = 0
    private var prefixLength: Int?

    public init(model: LanguageModel) { self.model = model }

    /// Begins a new prompt needing at most `capacity` positions (prompt + prefix + answer).
    /// `user` (1, M, d): the cross-attention context (required exactly when the model has
    /// cross-attention); `userLength`: its real rows. Its keys and values are projected here,
    /// once for every step and beam that follows.
    public func start(capacity needed: Int, user: Tensor? = nil, userLength: Int? = nil) {
        let config = model.config
        precondition(config.crossAttention == (user != nil),
                     config.crossAttention ? "this model cross-attends: pass the user embeddings"
                                           : "user embeddings given to a model without cross-attention")
        if needed > capacity {
            capacity = needed
            single = []
            batched = []
            scratch = nil
        }
        if single.isEmpty { single = makeCaches(batch: 1) }
        for cache in single { cache.reset() }
        active = single
        rows = 1
        prefixSize = 0
        prefixLength = nil
        flops = .zero
        if let user {
            precondition(user.rank == 3 && user.shape[0] == 1 && user.shape[2] == config.dModel,
                         "user embeddings must be (1, M, \(config.dModel)), got \(user.shape)")
            userRows = user.shape[1]
            userContext = Autograd.noGrad { model.userContexts(user, lengths: userLength.map { [$0] }) }
            flops += FLOPs.crossAttentionContext(config, userRows: userRows)
        } else {
            userRows = 0
            userContext = nil
        }
        contexts = userContext
    }

    /// Runs the prompt (batch 1): optional prefix (1, P, d) with `prefixLength` real rows,
    /// then `tokens`. Returns the logits of the last position, (1, V) — a reused buffer,
    /// valid until the next call.
    public func prefill(tokens: [Int32], prefix: Tensor? = nil, prefixLength: Int? = nil) -> Tensor {
        precondition(length == 0 && rows == 1, "prefill opens a prompt: call start first")
        precondition(!tokens.isEmpty || prefix != nil, "an empty prompt")
        if let prefix {
            precondition(prefix.rank == 3 && prefix.shape[0] == 1 && prefix.shape[2] == model.config.dModel,
                         "prefix must be (1, P, \(model.config.dModel)), got \(prefix.shape)")
            prefixSize = prefix.shape[1]
            self.prefixLength = prefixLength.flatMap { $0 < prefixSize ? $0 : nil }
        }
        return forward(tokens: tokens, prefix: prefix)
    }

    /// Tiles the single prompt row to `rows` rows (beams), caches and user context alike.
    public func expand(to newRows: Int) {
        precondition(rows == 1, "expand once, after prefill")
        guard newRows > 1 else { return }
        if batched.first?.batch != newRows { batched = makeCaches(batch: newRows) }
        let filled = length
        for (src, dst) in zip(single, batched) {
            dst.reset()
            let (h, dh) = (src.heads, src.headDim)
            // (1, H, cap, Dh) used rows → (K, H, filled, Dh), then appended once.
            let k = Tensor.empty([newRows, h, filled, dh]), v = Tensor.empty([newRows, h, filled, dh])
            for r in 0..<newRows {
                for hi in 0..<h {
                    let from = hi * src.capacity * dh, to = (r * h + hi) * filled * dh
                    (k.pointer + to).update(from: src.keys.pointer + from, count: filled * dh)
                    (v.pointer + to).update(from: src.values.pointer + from, count: filled * dh)
                }
            }
            dst.append(keys: k, values: v)
        }
        active = batched
        rows = newRows
        contexts = userContext.map { layers in layers.map { Self.tile($0, rows: newRows) } }
    }

    /// One new token per row; returns logits (rows, V) — a reused buffer, valid until the
    /// next call.
    public func step(_ tokens: [Int32]) -> Tensor {
        precondition(tokens.count == rows, "\(tokens.count) tokens for \(rows) rows")
        return forward(tokens: tokens, prefix: nil)
    }

    /// Row i continues from old row `sources[i]`. Only filled positions move.
    public func reorder(_ sources: [Int]) {
        precondition(sources.count == rows, "reorder wants \(rows) sources, got \(sources.count)")
        if sources.enumerated().allSatisfy({ $0.offset == $0.element }) { return }
        let filled = length
        guard let first = active.first else { return }
        let (h, dh, cap) = (first.heads, first.headDim, first.capacity)
        if scratch == nil || scratch!.count < rows * h * cap * dh { scratch = Tensor.empty([rows, h, cap, dh]) }
        let tmp = scratch!.pointer
        let slab = h * cap * dh
        // Only a source that is itself overwritten needs saving first; every other row is
        // copied once, straight from its source (beams mostly share a few parents).
        var saved = [Bool](repeating: false, count: rows)
        for (i, s) in sources.enumerated() where s != i && sources[s] != s { saved[s] = true }
        func copyRow(_ from: UnsafeMutablePointer<Float>, _ to: UnsafeMutablePointer<Float>) {
            for hi in 0..<h { (to + hi * cap * dh).update(from: from + hi * cap * dh, count: filled * dh) }
        }
        for cache in active {
            for buffer in [cache.keys, cache.values] {
                for r in 0..<rows where saved[r] { copyRow(buffer.pointer + r * slab, tmp + r * slab) }
                for (i, s) in sources.enumerated() where s != i {
                    copyRow(saved[s] ? tmp + s * slab : buffer.pointer + s * slab, buffer.pointer + i * slab)
                }
            }
        }
    }

    // MARK: - The forward pass

    private func forward(tokens: [Int32], prefix: Tensor?) -> Tensor {
        Autograd.noGrad {
            let config = model.config
            let b = rows, t = tokens.count / rows, p = prefix?.shape[1] ?? 0
            let start = length
            precondition(start + p + t <= capacity, "decoder capacity \(capacity) exceeded at \(start + p + t)")
            // Padded prefix rows are hidden from every query, as in LanguageModel.
            let keyMask = prefixLength.map { real -> [Bool] in
                let total = start + p + t
                var mask = [Bool](repeating: true, count: b * total)
                for r in 0..<b { for j in real..<prefixSize { mask[r * total + j] = false } }
                return mask
            }
            var x = model.tokenEmbedding(tokens, shape: [b, t])  // (B, T, d)
            if let prefix { x = Tensor.concat([prefix, x], axis: 1) }  // (B, P + T, d)
            for (i, block) in model.blocks.enumerated() {
                x = block(x, causal: true, keyMask: keyMask, cache: active[i], context: contexts?[i])
            }
            let last = x.shape[1] == 1 ? x : x.sliced(axis: 1, range: (x.shape[1] - 1)..<x.shape[1])  // (B, 1, d)
            let h = model.norm(last)
            let logits = logitsBuffers[b] ?? Tensor.empty([b, config.vocabSize])
            logitsBuffers[b] = logits
            // (B, d) · (V, d)ᵀ straight into the reused buffer.
            BLAS.gemm(transA: false, transB: true, m: b, n: config.vocabSize, k: config.dModel,
                      a: h.pointer, b: model.tokenEmbedding.weight.pointer, c: logits.pointer)
            flops += FLOPs.languageModel(config, batch: b, newTokens: p + t, pastTokens: start,
                                         userRows: userRows, logitsRows: b)
            return logits
        }
    }

    private func makeCaches(batch: Int) -> [KVCache] {
        let c = model.config
        return model.blocks.map { _ in
            KVCache(batch: batch, heads: c.heads, headDim: c.dModel / c.heads, capacity: capacity)
        }
    }

    /// (1, H, M, Dh) → (K, H, M, Dh) by copies.
    private static func tile(_ context: CrossAttentionContext, rows: Int) -> CrossAttentionContext {
        func tile(_ t: Tensor) -> Tensor {
            var shape = t.shape
            shape[0] = rows
            let out = Tensor.empty(shape)
            for r in 0..<rows { (out.pointer + r * t.count).update(from: t.pointer, count: t.count) }
            return out
        }
        return CrossAttentionContext(keys: tile(context.keys), values: tile(context.values),
                                     keyLengths: context.keyLengths.map { Array(repeating: $0[0], count: rows) })
    }
}
