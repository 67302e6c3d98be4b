/// How examples are cut from timelines.
public struct ExampleConfig: Codable, Sendable, Equatable {
    /// Longest history window, in events: the paper's N = 50 for MovieLens.
    public var windowLength: Int = 50
    /// Seeds the order of training examples; the same seed gives the same order.
    public var seed: UInt64 = 0
    /// Shuffle training examples (validation and test stay in user order) so
    /// minibatches mix users.
    public var shuffleTraining: Bool = true

    public init(windowLength: Int = 50, seed: UInt64 = 0, shuffleTraining: Bool = true) {
        self.windowLength = windowLength
        self.seed = seed
        self.shuffleTraining = shuffleTraining
    }
}

/// SplitMix64: tiny, fast, and the same on every platform (unlike SystemRandomNumberGenerator).
/// Internal: the Tensor target exports the public `SeededGenerator`; two public types of
/// one name would make every file importing both ambiguous.
struct ShuffleGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
