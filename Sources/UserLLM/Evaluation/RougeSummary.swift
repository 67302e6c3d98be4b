/// Mean ROUGE F1 over many predictions (the review task's table entry), with each
/// prediction's scores kept for the bootstrap over users.
public struct RougeSummary: Codable, Equatable, Sendable {
    public var count: Int { rouge1Values.count }
    /// Per prediction, in the order added: F1 of ROUGE-1, -2, -L, -Lsum.
    public private(set) var rouge1Values: [Double] = []
    public private(set) var rouge2Values: [Double] = []
    public private(set) var rougeLValues: [Double] = []
    public private(set) var rougeLsumValues: [Double] = []

    public init() {}

    public mutating func add(_ s: Rouge.Scores) {
        rouge1Values.append(s.rouge1.f1)
        rouge2Values.append(s.rouge2.f1)
        rougeLValues.append(s.rougeL.f1)
        rougeLsumValues.append(s.rougeLsum.f1)
    }

    /// Scores one prediction against its reference, sentences split on both sides first
    /// (MODEL_PLAN: ROUGE-Lsum wants one sentence per line).
    public mutating func add(prediction: String, reference: String) {
        add(Rouge.score(prediction: Rouge.splitSentences(prediction), reference: Rouge.splitSentences(reference)))
    }

    public mutating func merge(_ other: RougeSummary) {
        rouge1Values += other.rouge1Values
        rouge2Values += other.rouge2Values
        rougeLValues += other.rougeLValues
        rougeLsumValues += other.rougeLsumValues
    }

    private func mean(_ v: [Double]) -> Double { v.isEmpty ? 0 : v.reduce(0, +) / Double(v.count) }
    public var rouge1: Double { mean(rouge1Values) }
    public var rouge2: Double { mean(rouge2Values) }
    public var rougeL: Double { mean(rougeLValues) }
    public var rougeLsum: Double { mean(rougeLsumValues) }
}
