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
    /// Search steps after the prefill (one token deeper each).
    public var steps = 0
    /// Decoder passes those steps took (a pass may feed a beam several known tokens).
    public var passes = 0
    /// Positions decoded over all passes: live beams only, so at most `rows × steps`.
    public var rowSteps = 0
    /// Tokens of the returned answer(s): the best one's length.
    public var generatedTokens = 0
    public var prefillSeconds = 0.0
    public var decodeSeconds = 0.0
    public var flops = FLOPCount.zero

    public init() {}

    public var seconds: Double { prefillSeconds + decodeSeconds }
}
