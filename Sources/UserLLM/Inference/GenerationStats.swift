/// What one generation cost: sizes, wall time and analytic FLOPs (see `FLOPCount`).
public struct GenerationStats: Codable, Equatable, Sendable {
    /// Prompt tokens (text only).
    public var promptTokens = 0
    /// Soft-prompt rows before the tokens.
    public var prefixRows = 0
    /// Cross-attention context rows.
    public var userRows = 0
    /// Decoding rows in parallel (beams; 1 for greedy and sampling).
    public var rows = 1
    /// Batched decode calls after the prefill.
    public var steps = 0
    /// Rows computed over all steps: live beams only, so at most `rows × steps`.
    public var rowSteps = 0
    /// Tokens of the returned answer(s): the best one's length.
    public var generatedTokens = 0
    public var prefillSeconds = 0.0
    public var decodeSeconds = 0.0
    public var flops = FLOPCount.zero

    public init() {}

    public var seconds: Double { prefillSeconds + decodeSeconds }
}
