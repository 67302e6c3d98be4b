/// Ancestral sampling: temperature, then top-k, then top-p (nucleus), then a draw from a
/// generator seeded per call, so the same seed gives the same text.
public struct SamplingConfig: Codable, Equatable, Sendable {
    /// Divides the logits. 1: the model's distribution; 0: greedy.
    public var temperature: Float = 1
    /// Keep only the k most likely tokens (nil: all). 50: the usual HF default when set.
    public var topK: Int? = nil
    /// Keep the smallest set of tokens whose probability reaches p (1: all). 0.9 is common.
    public var topP: Float = 1
    public var seed: UInt64 = 0

    public init(temperature: Float = 1, topK: Int? = nil, topP: Float = 1, seed: UInt64 = 0) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.seed = seed
    }
}
