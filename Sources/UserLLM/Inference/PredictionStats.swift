/// The cost of one prediction, end to end (user encoding + prefill + decoding).
public struct PredictionStats: Codable, Equatable, Sendable {
    /// History events the encoder read (0 for tp, whose history is in the prompt text).
    public var windowEvents = 0
    public var promptTokens = 0
    public var prefixRows = 0
    public var userRows = 0
    public var beams = 1
    public var decodeSteps = 0
    /// Decoder passes over the weights for those steps.
    public var decodePasses = 0
    /// Beam positions decoded over all steps (live beams only; ≤ beams × decodeSteps).
    public var decodeRows = 0
    public var generatedTokens = 0
    public var encodeSeconds = 0.0
    public var prefillSeconds = 0.0
    public var decodeSeconds = 0.0
    /// Encoder + Perceiver + projection, once per history.
    public var encoderFLOPs = FLOPCount.zero
    /// The LLM: cross-attention K/V, prefill, decoding steps.
    public var decoderFLOPs = FLOPCount.zero

    public init() {}

    public var seconds: Double { encodeSeconds + prefillSeconds + decodeSeconds }
    public var flops: FLOPCount { encoderFLOPs + decoderFLOPs }
}
