import Foundation
import NN
import Tensor

/// Tape-free incremental decoding of one prompt (one user) in a varying number of rows
/// (beams or samples), built for the inference path:
///
///   prefill: the prompt once, batch 1  → KV caches (1, H, P + T, Dh) that every row reads;
///            logits of the LAST position only (the head on every prompt position would cost
///            T·d·V for nothing); the user's cross-attention K/V projected once at `start`
///   reorder: the rows of the next step, each following a parent row — a beam search passes
///            its LIVE beams only (a finished beam needs no forward pass), so the row count
///            shrinks as answers complete; only lists of cache slots move (`DecodeStep`)
///   step:    one token per row, all rows in one batched pass (`DecodeStep`); logits
///            (rows, V) in a buffer allocated once per row count
///
/// Caches and buffers are kept between prompts (`start` reuses them while they are big
/// enough), so an evaluator decoding user after user allocates them once, and a step
/// allocates nothing once they fit (tested by counting heap allocations).
/// Equals `LanguageModel`'s forward on the same positions (tested to 1e-5).
public final class IncrementalDecoder {
    public let model: LanguageModel
    /// Positions filled so far (prefix included): the prompt, then the longest row's tokens.
    public var length: Int { promptLength + stepper.generated }
    /// Rows of the next step: 1 after `start`/`prefill`, then as `reorder` sets them.
    public var rows: Int { stepper.rows }
    /// FLOPs of everything run since `start` (context projection, prefill, steps).
    public private(set) var flops = FLOPCount.zero
    /// Positions the caches hold; grows (reallocating) when a longer prompt comes.
    public private(set) var capacity = 0

    /// The prompt's caches (batch 1), read by every row.
    private var caches: [KVCache] = []
    private var promptLength = 0
    private let stepper: DecodeStep
    private var reservedRows = 1
    private var prefillLogits: Tensor?
    /// `step`'s logits by position count (index count − 1), each allocated once, and the
    /// single buffer every pass writes.
    private var stepLogits: [Tensor?] = []
    private var passLogits: Tensor?
    private var ones: [Int] = []
    private var userContext: [CrossAttentionContext?]?
    private var userRows = 0
    private var userLength: Int?
    /// The user rows cross-attention scores (padding rows are skipped, not computed).
    private var visibleUserRows: Int { min(userRows, userLength ?? userRows) }
    private var prefixSize = 0
    private var prefixLength: Int?

    public init(model: LanguageModel) {
        self.model = model
        stepper = DecodeStep(model: model)
    }

    /// Begins a new prompt needing at most `capacity` positions (prompt + prefix + answer).
    /// `user` (1, M, d): the cross-attention context (required exactly when the model has
    /// cross-attention); `userLength`: its real rows. Its keys and values are projected here,
    /// once for every step and row that follows.
    public func start(capacity needed: Int, user: Tensor? = nil, userLength: Int? = nil) {
        let config = model.config
        precondition(config.crossAttention == (user != nil),
                     config.crossAttention ? "this model cross-attends: pass the user embeddings"
                                           : "user embeddings given to a model without cross-attention")
        if needed > capacity || caches.isEmpty {
            capacity = max(needed, capacity)
            caches = model.blocks.map { _ in
                KVCache(batch: 1, heads: config.kvHeads, headDim: config.dModel / config.heads, capacity: capacity)
            }
        }
        for cache in caches { cache.reset() }
        promptLength = 0
        reservedRows = 1
        stepper.reset()
        stepper.bind(model)
        prefixSize = 0
        prefixLength = nil
        flops = .zero
        if let user {
            precondition(user.rank == 3 && user.shape[0] == 1 && user.shape[2] == config.dModel,
                         "user embeddings must be (1, M, \(config.dModel)), got \(user.shape)")
            userRows = user.shape[1]
            self.userLength = userLength
            userContext = Autograd.noGrad { model.userContexts(user, lengths: userLength.map { [$0] }) }
            flops += FLOPs.crossAttentionContext(config, userRows: userRows)
        } else {
            userRows = 0
            self.userLength = nil
            userContext = nil
        }
    }

    /// The most rows any step of this prompt will have (the beam width); before the first step.
    public func reserve(rows: Int) {
        precondition(stepper.slotsUsed == 0, "reserve rows before the first step")
        reservedRows = max(reservedRows, rows)
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
        let p = prefix?.shape[1] ?? 0
        precondition(p + tokens.count <= capacity, "decoder capacity \(capacity) exceeded at \(p + tokens.count)")
        let logits = prefillLogits ?? Tensor.empty([1, model.config.vocabSize])
        prefillLogits = logits
        // A short prompt is, like a beam pass, ~200 small products: the spinning team takes
        // them (a long one keeps the pool and OpenBLAS's threads for its big products).
        let threads = p + tokens.count < QuantizedMatrix.sgemmRows ? Parallel.cores : 1
        Parallel.withSpinningWorkers(threads) { Autograd.noGrad {
            let config = model.config
            // Padded prefix rows are hidden from every query, as in LanguageModel.
            let keyMask = self.prefixLength.map { real in (0..<(p + tokens.count)).map { $0 < real || $0 >= prefixSize } }
            var x = model.tokenEmbedding(tokens, shape: [1, tokens.count])  // (1, T, d)
            if let prefix { x = Tensor.concat([prefix, x], axis: 1) }  // (1, P + T, d)
            for (i, block) in model.blocks.enumerated() {
                x = block(x, causal: true, keyMask: keyMask, cache: caches[i], context: userContext?[i])
            }
            let last = x.shape[1] == 1 ? x : x.sliced(axis: 1, range: (x.shape[1] - 1)..<x.shape[1])  // (1, 1, d)
            let h = model.norm(last)
            // (1, d) · (V, d)ᵀ straight into the reused buffer.
            DecodeWeight(head: model.tokenEmbedding).multiply(h.pointer, rows: 1, in: config.dModel, out: config.vocabSize,
                                                        into: logits.pointer)
            flops += FLOPs.languageModel(config, batch: 1, newTokens: p + tokens.count, userRows: visibleUserRows, logitsRows: 1)
        } }
        promptLength = p + tokens.count
        return logits
    }

    /// Gives the prompt `rows` rows (beams), before the first step; the same as
    /// `reorder` with every source 0.
    public func expand(to newRows: Int) {
        precondition(stepper.slotsUsed == 0, "expand once, after prefill")
        reorder([Int](repeating: 0, count: newRows))
    }

    /// Row i of the next step continues old row `sources[i]`. The count may differ from the
    /// current rows (≤ the reserved rows after the first step).
    public func reorder(_ sources: [Int]) {
        sources.withUnsafeBufferPointer { reorder($0) }
    }

    func reorder(_ sources: UnsafeBufferPointer<Int>) {
        precondition(promptLength > 0, "reorder after prefill")
        if stepper.slotsUsed == 0 { reservedRows = max(reservedRows, sources.count) }
        stepper.reorder(sources)
    }

    /// One new token per row; returns logits (rows, V) — a reused buffer, valid until the
    /// next call.
    public func step(_ tokens: [Int32]) -> Tensor {
        while ones.count < tokens.count { ones.append(1) }
        return tokens.withUnsafeBufferPointer { t in
            ones.withUnsafeBufferPointer { step(t, counts: UnsafeBufferPointer(rebasing: $0[0..<tokens.count])) }
        }
    }

    /// Feeds row r `counts[r]` tokens (`tokens` row after row: a beam's next tokens when they
    /// are already known) in one pass; returns the logits of every fed position, (Σ counts, V)
    /// — a reused buffer, valid until the next call. Equals that many single steps.
    public func step(_ tokens: [Int32], counts: [Int]) -> Tensor {
        tokens.withUnsafeBufferPointer { t in counts.withUnsafeBufferPointer { step(t, counts: $0) } }
    }

    func step(_ tokens: UnsafeBufferPointer<Int32>, counts: UnsafeBufferPointer<Int>) -> Tensor {
        let n = tokens.count
        let logits = pass(tokens, counts: counts)
        if stepLogits.count < n { stepLogits += [Tensor?](repeating: nil, count: n - stepLogits.count) }
        let out = stepLogits[n - 1] ?? Tensor.empty([n, model.config.vocabSize])
        stepLogits[n - 1] = out
        out.pointer.update(from: logits, count: out.count)
        return out
    }

    /// Positions one pass may feed (`step(_:counts:)`), set by the reserved rows.
    public var maxPassPositions: Int { max(reservedRows, rows, SmallRowsGemm.maxRows) }

    /// The pass behind `step`, its logits (Σ counts, V) in one buffer kept for every pass.
    func pass(_ tokens: UnsafeBufferPointer<Int32>, counts: UnsafeBufferPointer<Int>) -> UnsafePointer<Float> {
        precondition(promptLength > 0, "step after prefill")
        precondition(counts.count == rows, "\(counts.count) token counts for \(rows) rows")
        let config = model.config
        if stepper.slotsUsed == 0 {
            stepper.reserve(rows: max(reservedRows, rows), generated: capacity - promptLength, positions: maxPassPositions,
                            promptLength: promptLength, userRows: userRows)
        }
        let positions = stepper.positionCapacity
        if passLogits == nil || passLogits!.count < positions * config.vocabSize {
            passLogits = Tensor.empty([positions, config.vocabSize])
        }
        // FLOPs of exactly the positions fed: each attends to the prompt and its row's tokens.
        for (r, count) in counts.enumerated() {
            let start = promptLength + stepper.pathLength(of: r)
            for j in 0..<count {
                flops += FLOPs.languageModel(config, batch: 1, newTokens: 1, pastTokens: start + j, userRows: visibleUserRows,
                                             logitsRows: 1)
            }
        }
        let masked = prefixLength.map { $0..<prefixSize }
        // A beam step is a few rows: ~200 short products, each too short to wake a sleeping
        // worker for, so the step runs on a spinning team. (The closure is passed, not
        // stored: a stored one would be boxed on the heap at every step.)
        Parallel.withSpinningWorkers(tokens.count < QuantizedMatrix.sgemmRows ? Parallel.cores : 1) {
            stepper.forward(tokens: tokens, counts: counts, prompt: caches, promptLength: promptLength, masked: masked,
                            contexts: userContext, userLength: userLength, logits: passLogits!.pointer)
        }
        return UnsafePointer(passLogits!.pointer)
    }
}
