import Tensor

/// Percentile bootstrap over users (Efron & Tibshirani, ch. 13): draw as many users as
/// there are, with replacement, take the metric's mean, repeat `resamples` times; the
/// interval is the (1−level)/2 and (1+level)/2 quantiles of those means. Users are the unit
/// because each contributes one test example, and a model's errors correlate within a user.
///
/// The paired version resamples the per-user *differences* of two models on the same users,
/// so the noise the two share (hard users) cancels: "A beats B" is then a statement with a
/// confidence. The draws depend only on `seed` and the user count, so every metric and every
/// model of one report sees the same resampled user sets.
public struct Bootstrap: Codable, Equatable, Sendable {
    /// 1,000: the percentile tails at 95% then rest on 25 draws each, enough for 2 decimals
    /// of interval end at ~1,000 users; a full report still takes well under a second.
    public var resamples: Int = 1000
    /// Fixed, so a report is reproducible to the last digit.
    public var seed: UInt64 = 0
    public var level: Double = 0.95

    public init(resamples: Int = 1000, seed: UInt64 = 0, level: Double = 0.95) {
        precondition(resamples >= 1, "bootstrap needs at least one resample")
        precondition(level > 0 && level < 1, "bootstrap level \(level) must lie in (0, 1)")
        self.resamples = resamples
        self.seed = seed
        self.level = level
    }

    /// The mean of `values` (one per user) and its interval; an empty list gives zeros.
    public func interval(_ values: [Double]) -> ConfidenceInterval {
        let n = values.count
        guard n > 0 else { return ConfidenceInterval(value: 0, low: 0, high: 0) }
        let mean = values.reduce(0, +) / Double(n)
        var rng = SeededGenerator(seed: seed)
        var means = [Double](repeating: 0, count: resamples)
        values.withUnsafeBufferPointer { v in
            for r in 0..<resamples {
                var sum = 0.0
                for _ in 0..<n { sum += v[Int(rng.next() % UInt64(n))] }
                means[r] = sum / Double(n)
            }
        }
        means.sort()
        // Nearest-rank quantiles: with 1,000 resamples the 25th and the 975th smallest means.
        let tail = (1 - level) / 2
        let lowIndex = min(resamples - 1, max(0, Int((tail * Double(resamples)).rounded(.down))))
        let highIndex = min(resamples - 1, max(0, Int(((1 - tail) * Double(resamples)).rounded(.up)) - 1))
        return ConfidenceInterval(value: mean, low: means[lowIndex], high: means[highIndex])
    }

    /// The mean of a − b over the same users (paired by position) and its interval.
    public func pairedDifference(_ a: [Double], _ b: [Double]) -> ConfidenceInterval {
        precondition(a.count == b.count, "paired bootstrap: \(a.count) values against \(b.count)")
        return interval(zip(a, b).map { $0 - $1 })
    }
}
