/// A metric's value over all users with its bootstrap interval: `value` is the plain mean
/// (not the bootstrap mean), `low`/`high` the percentile interval at `Bootstrap.level`.
public struct ConfidenceInterval: Codable, Equatable, Sendable {
    public var value: Double
    public var low: Double
    public var high: Double

    public init(value: Double, low: Double, high: Double) {
        self.value = value
        self.low = low
        self.high = high
    }

    public var width: Double { high - low }

    /// "0.135 [0.114, 0.158]" (3 decimals: the intervals on ~1,000 users are ±0.02, so a
    /// fourth decimal is noise). `signed` prefixes positive values with "+" (differences).
    public func formatted(decimals: Int = 3, signed: Bool = false) -> String {
        func f(_ v: Double) -> String {
            let s = String(format: "%.\(decimals)f", v)
            return signed && v >= 0 && !s.hasPrefix("-") ? "+" + s : s
        }
        return "\(f(value)) [\(f(low)), \(f(high))]"
    }
}
