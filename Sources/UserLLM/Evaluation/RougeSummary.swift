/// Mean ROUGE F1 over many predictions (the review task's table entry).
public struct RougeSummary: Codable, Equatable, Sendable {
    public private(set) var count = 0
    private var sums = [0.0, 0.0, 0.0, 0.0]

    public init() {}

    public mutating func add(_ s: Rouge.Scores) {
        count += 1
        for (i, v) in [s.rouge1.f1, s.rouge2.f1, s.rougeL.f1, s.rougeLsum.f1].enumerated() { sums[i] += v }
    }

    /// Scores one prediction against its reference, sentences split on both sides first
    /// (MODEL_PLAN: ROUGE-Lsum wants one sentence per line).
    public mutating func add(prediction: String, reference: String) {
        add(Rouge.score(prediction: Rouge.splitSentences(prediction), reference: Rouge.splitSentences(reference)))
    }

    public mutating func merge(_ other: RougeSummary) {
        count += other.count
        for i in sums.indices { sums[i] += other.sums[i] }
    }

    private func mean(_ i: Int) -> Double { count > 0 ? sums[i] / Double(count) : 0 }
    public var rouge1: Double { mean(0) }
    public var rouge2: Double { mean(1) }
    public var rougeL: Double { mean(2) }
    public var rougeLsum: Double { mean(3) }
}
