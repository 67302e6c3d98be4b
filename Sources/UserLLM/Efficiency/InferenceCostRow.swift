/// One (history length, variant) cell of `userllm bench inference`: what answering one
/// next-item question (top-K constrained beams over the catalogue) costs, per example,
/// averaged over the benchmark's users.
public struct InferenceCostRow: Codable, Equatable, Sendable {
    public var variant: String
    /// Events in the window the model reads (the TP prompt writes them all out).
    public var historyEvents: Int
    public var users: Int
    /// Prompt text tokens per example (mean).
    public var promptTokens: Double
    /// Soft-prompt rows before the tokens (soft: M events or L latents).
    public var prefixRows: Double
    /// Cross-attention context rows (xattn: M events or L latents).
    public var userRows: Double
    /// The longest prompt (tokens + prefix rows) of any user, and the preset's context: a
    /// longer prompt ran with the context extended (RoPE), a cost measurement only.
    public var longestPromptPositions: Int
    public var presetContext: Int
    public var contextExtended: Bool { longestPromptPositions > presetContext }
    /// Analytic FLOPs per example (see `FLOPCount`): everything, and the part before the
    /// answer — encoder + Perceiver + projection + cross-attention K/V + prefill — which is
    /// where the history's form matters. The answer's beam steps are the rest.
    public var flops: Double
    public var contextFLOPs: Double
    public var answerFLOPs: Double { flops - contextFLOPs }
    /// Wall seconds per example: the median of the repeats for each user, then the mean
    /// over users. `seconds` is the whole `Predictor.predict` call (prompt building and
    /// tokenization, encoder, history mask, prefill, beam search); the parts are its
    /// stopwatch laps in the median run.
    public var seconds: Double
    /// Process CPU seconds (all threads; median of the repeats, mean over users): on a
    /// shared machine, the work done, without the waits for a core.
    public var cpuSeconds: Double
    public var encodeSeconds: Double
    public var prefillSeconds: Double
    public var decodeSeconds: Double
    /// Fastest and slowest repeat of any user (noise on a shared machine).
    public var minSeconds: Double
    public var maxSeconds: Double
    /// Beam search steps after the prefill (mean).
    public var decodeSteps: Double
    /// Decoder passes over the weights those steps took (mean): a pass feeds every live
    /// beam, several tokens at once along a stretch of the trie with one way on.
    public var decodePasses: Double = 0
    /// Beam positions decoded (mean): live beams only, so at most beams × steps.
    public var decodeRows: Double = 0
    /// The arithmetic the LLM answered in (`InferencePrecision`).
    public var precision: String = InferencePrecision.f32.rawValue
    /// Users whose ranked top-k (titles, in order) equals the f32 kernels' answer — nil for
    /// f32 itself: what the faster arithmetic changes in the answers.
    public var sameAnswersAsF32: Int?
    /// Resident memory the first prediction on a fresh predictor added at its peak (caches,
    /// activations, encoder; not the weights), the largest over the measured users; nil
    /// where the kernel's high-water mark cannot be reset.
    public var peakMemoryBytes: Int?
    /// Weights of the whole model (LLM + encoder + Perceiver + projection), bytes.
    public var weightBytes: Int
    /// tp ÷ this variant at the same length (nil without a tp row).
    public var speedup: Double?
    /// tp ÷ this by CPU time.
    public var cpuSpeedup: Double?
    public var flopsRatio: Double?
    public var contextFLOPsRatio: Double?

    public init(variant: String, historyEvents: Int, users: Int, promptTokens: Double, prefixRows: Double,
                userRows: Double, longestPromptPositions: Int, presetContext: Int, flops: Double, contextFLOPs: Double,
                seconds: Double, cpuSeconds: Double, encodeSeconds: Double, prefillSeconds: Double, decodeSeconds: Double,
                minSeconds: Double, maxSeconds: Double, decodeSteps: Double, peakMemoryBytes: Int?, weightBytes: Int) {
        self.variant = variant
        self.historyEvents = historyEvents
        self.users = users
        self.promptTokens = promptTokens
        self.prefixRows = prefixRows
        self.userRows = userRows
        self.longestPromptPositions = longestPromptPositions
        self.presetContext = presetContext
        self.flops = flops
        self.contextFLOPs = contextFLOPs
        self.seconds = seconds
        self.cpuSeconds = cpuSeconds
        self.encodeSeconds = encodeSeconds
        self.prefillSeconds = prefillSeconds
        self.decodeSeconds = decodeSeconds
        self.minSeconds = minSeconds
        self.maxSeconds = maxSeconds
        self.decodeSteps = decodeSteps
        self.peakMemoryBytes = peakMemoryBytes
        self.weightBytes = weightBytes
    }

    private enum CodingKeys: String, CodingKey {
        case variant, historyEvents, users, promptTokens, prefixRows, userRows, longestPromptPositions, presetContext,
             contextExtended, flops, contextFLOPs, answerFLOPs, seconds, encodeSeconds, prefillSeconds, decodeSeconds,
             minSeconds, maxSeconds, decodeSteps, decodePasses, decodeRows, peakMemoryBytes, weightBytes, speedup, cpuSeconds, cpuSpeedup, flopsRatio, contextFLOPsRatio,
             precision, sameAnswersAsF32
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        variant = try c.decode(String.self, forKey: .variant)
        historyEvents = try c.decode(Int.self, forKey: .historyEvents)
        users = try c.decode(Int.self, forKey: .users)
        promptTokens = try c.decode(Double.self, forKey: .promptTokens)
        prefixRows = try c.decode(Double.self, forKey: .prefixRows)
        userRows = try c.decode(Double.self, forKey: .userRows)
        longestPromptPositions = try c.decode(Int.self, forKey: .longestPromptPositions)
        presetContext = try c.decode(Int.self, forKey: .presetContext)
        flops = try c.decode(Double.self, forKey: .flops)
        contextFLOPs = try c.decode(Double.self, forKey: .contextFLOPs)
        seconds = try c.decode(Double.self, forKey: .seconds)
        cpuSeconds = try c.decode(Double.self, forKey: .cpuSeconds)
        encodeSeconds = try c.decode(Double.self, forKey: .encodeSeconds)
        prefillSeconds = try c.decode(Double.self, forKey: .prefillSeconds)
        decodeSeconds = try c.decode(Double.self, forKey: .decodeSeconds)
        minSeconds = try c.decode(Double.self, forKey: .minSeconds)
        maxSeconds = try c.decode(Double.self, forKey: .maxSeconds)
        decodeSteps = try c.decode(Double.self, forKey: .decodeSteps)
        decodePasses = try c.decodeIfPresent(Double.self, forKey: .decodePasses) ?? 0
        decodeRows = try c.decodeIfPresent(Double.self, forKey: .decodeRows) ?? 0
        peakMemoryBytes = try c.decodeIfPresent(Int.self, forKey: .peakMemoryBytes)
        weightBytes = try c.decode(Int.self, forKey: .weightBytes)
        speedup = try c.decodeIfPresent(Double.self, forKey: .speedup)
        cpuSpeedup = try c.decodeIfPresent(Double.self, forKey: .cpuSpeedup)
        flopsRatio = try c.decodeIfPresent(Double.self, forKey: .flopsRatio)
        contextFLOPsRatio = try c.decodeIfPresent(Double.self, forKey: .contextFLOPsRatio)
        // Rows written before the tile unit ran in f32.
        precision = try c.decodeIfPresent(String.self, forKey: .precision) ?? InferencePrecision.f32.rawValue
        sameAnswersAsF32 = try c.decodeIfPresent(Int.self, forKey: .sameAnswersAsF32)
    }

    /// The stored fields and, for readers of the JSON, the derived ones.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(variant, forKey: .variant)
        try c.encode(historyEvents, forKey: .historyEvents)
        try c.encode(users, forKey: .users)
        try c.encode(promptTokens, forKey: .promptTokens)
        try c.encode(prefixRows, forKey: .prefixRows)
        try c.encode(userRows, forKey: .userRows)
        try c.encode(longestPromptPositions, forKey: .longestPromptPositions)
        try c.encode(presetContext, forKey: .presetContext)
        try c.encode(contextExtended, forKey: .contextExtended)
        try c.encode(flops, forKey: .flops)
        try c.encode(contextFLOPs, forKey: .contextFLOPs)
        try c.encode(answerFLOPs, forKey: .answerFLOPs)
        try c.encode(seconds, forKey: .seconds)
        try c.encode(cpuSeconds, forKey: .cpuSeconds)
        try c.encode(encodeSeconds, forKey: .encodeSeconds)
        try c.encode(prefillSeconds, forKey: .prefillSeconds)
        try c.encode(decodeSeconds, forKey: .decodeSeconds)
        try c.encode(minSeconds, forKey: .minSeconds)
        try c.encode(maxSeconds, forKey: .maxSeconds)
        try c.encode(decodeSteps, forKey: .decodeSteps)
        try c.encode(precision, forKey: .precision)
        try c.encodeIfPresent(sameAnswersAsF32, forKey: .sameAnswersAsF32)
        try c.encode(decodePasses, forKey: .decodePasses)
        try c.encode(decodeRows, forKey: .decodeRows)
        try c.encodeIfPresent(peakMemoryBytes, forKey: .peakMemoryBytes)
        try c.encode(weightBytes, forKey: .weightBytes)
        try c.encodeIfPresent(speedup, forKey: .speedup)
        try c.encodeIfPresent(cpuSpeedup, forKey: .cpuSpeedup)
        try c.encodeIfPresent(flopsRatio, forKey: .flopsRatio)
        try c.encodeIfPresent(contextFLOPsRatio, forKey: .contextFLOPsRatio)
    }
}
