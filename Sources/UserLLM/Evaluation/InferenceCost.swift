/// Mean cost per example of one model on one task.
public struct InferenceCost: Codable, Equatable, Sendable {
    public private(set) var examples = 0
    public private(set) var seconds = 0.0
    public private(set) var encodeSeconds = 0.0
    public private(set) var promptTokens = 0
    public private(set) var userRows = 0
    public private(set) var generatedTokens = 0
    /// Sums (Double: a full evaluation of a TP model exceeds no Int, but means are Double).
    public private(set) var flops = 0.0
    public private(set) var encoderFLOPs = 0.0

    public init() {}

    public mutating func add(_ s: PredictionStats) {
        examples += 1
        seconds += s.seconds
        encodeSeconds += s.encodeSeconds
        promptTokens += s.promptTokens + s.prefixRows
        userRows += s.userRows
        generatedTokens += s.generatedTokens
        flops += Double(s.flops.total)
        encoderFLOPs += Double(s.encoderFLOPs.total)
    }

    /// A baseline's cost: time only (its FLOPs are not modelled).
    public mutating func add(seconds s: Double) {
        examples += 1
        seconds += s
    }

    private func mean(_ v: Double) -> Double { examples > 0 ? v / Double(examples) : 0 }
    public var secondsPerExample: Double { mean(seconds) }
    public var encodeSecondsPerExample: Double { mean(encodeSeconds) }
    /// Prompt positions (tokens + soft-prompt rows) per example.
    public var promptTokensPerExample: Double { mean(Double(promptTokens)) }
    public var userRowsPerExample: Double { mean(Double(userRows)) }
    public var generatedTokensPerExample: Double { mean(Double(generatedTokens)) }
    public var flopsPerExample: Double { mean(flops) }
    public var encoderFLOPsPerExample: Double { mean(encoderFLOPs) }
}

extension InferenceCost {
    private enum MeanKeys: String, CodingKey {
        case secondsPerExample, encodeSecondsPerExample, promptTokensPerExample, userRowsPerExample,
             generatedTokensPerExample, flopsPerExample, encoderFLOPsPerExample
    }
    private enum SumKeys: String, CodingKey {
        case examples, seconds, encodeSeconds, promptTokens, userRows, generatedTokens, flops, encoderFLOPs
    }

    /// The sums (which decode back) and, for readers of the JSON, the means per example.
    public func encode(to encoder: Encoder) throws {
        var sums = encoder.container(keyedBy: SumKeys.self)
        try sums.encode(examples, forKey: .examples)
        try sums.encode(seconds, forKey: .seconds)
        try sums.encode(encodeSeconds, forKey: .encodeSeconds)
        try sums.encode(promptTokens, forKey: .promptTokens)
        try sums.encode(userRows, forKey: .userRows)
        try sums.encode(generatedTokens, forKey: .generatedTokens)
        try sums.encode(flops, forKey: .flops)
        try sums.encode(encoderFLOPs, forKey: .encoderFLOPs)
        var means = encoder.container(keyedBy: MeanKeys.self)
        try means.encode(secondsPerExample, forKey: .secondsPerExample)
        try means.encode(encodeSecondsPerExample, forKey: .encodeSecondsPerExample)
        try means.encode(promptTokensPerExample, forKey: .promptTokensPerExample)
        try means.encode(userRowsPerExample, forKey: .userRowsPerExample)
        try means.encode(generatedTokensPerExample, forKey: .generatedTokensPerExample)
        try means.encode(flopsPerExample, forKey: .flopsPerExample)
        try means.encode(encoderFLOPsPerExample, forKey: .encoderFLOPsPerExample)
    }
}
