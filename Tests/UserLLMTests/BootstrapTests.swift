import XCTest
import Timelines
import UserLLM

final class BootstrapTests: XCTestCase {
    /// Every resample of a constant list has the same mean: the interval has zero width.
    func testConstantMetricHasZeroWidth() {
        for c in [0.0, 1.0, 0.3] {
            let ci = Bootstrap().interval([Double](repeating: c, count: 943))
            XCTAssertEqual(ci.low, ci.high)
            XCTAssertEqual(ci.width, 0)
            XCTAssertEqual(ci.value, ci.low, accuracy: 1e-12)
        }
    }

    /// A model against itself differs by exactly 0 on every user, so on every resample.
    func testPairedDifferenceWithItselfIsExactlyZero() {
        var m = RankingMetrics(cutoffs: [1, 5, 10])
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<200 { m.add(ranking: Array(0..<10), target: Int.random(in: 0..<30, using: &rng)) }
        let users = (0..<200).map(Int32.init)
        let r = TaskResult.ranking(.nextItem, m, cost: InferenceCost(), users: users)
        let comparisons = PairedComparison.compare("a", r, "a", r, bootstrap: Bootstrap())
        XCTAssertEqual(comparisons.map(\.metric), ["ndcg@10", "recall@1", "recall@10", "recall@5"])
        for c in comparisons {
            XCTAssertEqual(c.difference, ConfidenceInterval(value: 0, low: 0, high: 0))
            XCTAssertFalse(c.excludesZero)
            XCTAssertEqual(c.users, 200)
        }
    }

    /// By hand: ten users, one hit. A resample's mean is X/10 with X ~ Binomial(10, 0.1):
    /// P(X = 0) = 0.349 > 0.025, so the lower end is 0; P(X ≤ 2) = 0.930 < 0.975 ≤
    /// P(X ≤ 3) = 0.987, so the upper end is 0.3. Two users, one hit: P(mean = 0) = 1/4 and
    /// P(mean = 1) = 1/4 both exceed 2.5%, so the interval is [0, 1].
    func testSmallCasesMatchTheBinomialQuantiles() {
        let b = Bootstrap(resamples: 4000, seed: 7)
        let ten = b.interval([1] + [Double](repeating: 0, count: 9))
        XCTAssertEqual(ten.value, 0.1, accuracy: 1e-12)
        XCTAssertEqual(ten.low, 0)
        XCTAssertEqual(ten.high, 0.3, accuracy: 1e-12)
        let two = b.interval([0, 1])
        XCTAssertEqual(two.value, 0.5)
        XCTAssertEqual(two.low, 0)
        XCTAssertEqual(two.high, 1)
        // A paired difference is the interval of the differences: [1,0,…,0] − 0.
        let paired = b.pairedDifference([1] + [Double](repeating: 0, count: 9), [Double](repeating: 0, count: 10))
        XCTAssertEqual(paired, ten)
    }

    /// The same seed draws the same users: intervals are reproducible to the last digit;
    /// another seed gives (slightly) other ends.
    func testFixedSeedIsReproducible() {
        let values = (0..<500).map { Double($0 % 7 == 0 ? 1 : 0) }
        XCTAssertEqual(Bootstrap(seed: 3).interval(values), Bootstrap(seed: 3).interval(values))
        let ci = Bootstrap().interval(values)
        XCTAssertLessThan(ci.low, ci.value)
        XCTAssertGreaterThan(ci.high, ci.value)
        // The normal approximation's half-width, 1.96·sqrt(p(1−p)/n) ≈ 0.031, within 20%.
        let p = ci.value, half = 1.96 * (p * (1 - p) / 500).squareRoot()
        XCTAssertEqual((ci.high - ci.low) / 2, half, accuracy: 0.2 * half)
    }

    /// Pairing follows users, not positions: B listed in another order pairs the same.
    func testPairingFollowsUsers() {
        var a = RankingMetrics(cutoffs: [10]), b = RankingMetrics(cutoffs: [10])
        let hitsA = [true, false, true, true, false, false], hitsB = [false, false, true, false, true, false]
        for h in hitsA { a.add(ranking: [1], target: h ? 1 : 2) }
        let order = [5, 4, 3, 2, 1, 0]
        for i in order { b.add(ranking: [1], target: hitsB[i] ? 1 : 2) }
        let ra = TaskResult.ranking(.nextItem, a, cost: InferenceCost(), users: (0..<6).map(Int32.init))
        let rb = TaskResult.ranking(.nextItem, b, cost: InferenceCost(), users: order.map(Int32.init))
        let recall = PairedComparison.compare("A", ra, "B", rb, bootstrap: Bootstrap()).first { $0.metric == "recall@10" }!
        XCTAssertEqual(recall.valueA, 0.5, accuracy: 1e-12)
        XCTAssertEqual(recall.valueB, 2.0 / 6, accuracy: 1e-12)
        let diffs = zip(hitsA, hitsB).map { Double($0 ? 1 : 0) - Double($1 ? 1 : 0) }
        XCTAssertEqual(recall.difference, Bootstrap().interval(diffs))
    }

    func testFormatting() {
        XCTAssertEqual(ConfidenceInterval(value: 0.1354, low: 0.11449, high: 0.158).formatted(), "0.135 [0.114, 0.158]")
        XCTAssertEqual(ConfidenceInterval(value: 0.02, low: -0.01, high: 0.05).formatted(signed: true), "+0.020 [-0.010, +0.050]")
    }
}

final class ExactRankingCheckTests: XCTestCase {
    /// Counting by hand: user 0's lists are equal; user 1's hold the same titles in another
    /// order; user 2's beam missed the target the exact ranking has in 10th place.
    func testCountsDifferencesAndRecall() {
        let exact0 = (0..<10).map { "t\($0)" }
        let beam = [exact0, exact0.reversed(), Array(exact0.prefix(9)) + ["x"]]
        let exact = [exact0, exact0, exact0]
        let c = ExactRankingCheck.compare(model: "m", beams: 10, beam: beam, exact: exact, targets: ["t0", "t3", "t9"],
                                          beamSeconds: 3, exactSeconds: 30, bootstrap: Bootstrap())
        XCTAssertEqual(c.users, 3)
        XCTAssertEqual(c.differentOrder, 2)
        XCTAssertEqual(c.differentSet, 1)
        XCTAssertEqual(c.meanOverlap, (1 + 1 + 0.9) / 3, accuracy: 1e-12)
        XCTAssertEqual(c.beamRecall10.value, 2.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(c.exactRecall10.value, 1, accuracy: 1e-12)
        XCTAssertEqual(c.difference.value, 1.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(c.exactSecondsPerUser, 10, accuracy: 1e-12)
    }

    /// Per token: a 2-token title at −6 and a 4-token one at −12 (−3 a token each) beat a
    /// 1-token one at −4 and a 4-token one at −16 (−4 a token); equal per-token scores keep
    /// the exact order. Recall and the paired difference count the re-ranked top 10 by hand.
    func testPerTokenReranking() {
        func answer(_ t: String, _ lp: Double, _ n: Int) -> Prediction.Answer {
            Prediction.Answer(text: t, logProb: lp, score: lp, tokens: n)
        }
        let order = ExactRankingCheck.perTokenOrder([answer("short", -4, 1), answer("two", -6, 2), answer("long", -16, 4),
                                                     answer("tie", -12, 4)])
        XCTAssertEqual(order.map(\.text), ["two", "tie", "short", "long"])

        let exact0 = (0..<10).map { "t\($0)" }
        let lengths = ExactRankingCheck.TokenLengths(exactTop10: 3, perTokenTop10: 5, targets: 6)
        let c = ExactRankingCheck.compare(model: "m", beams: 10, beam: [exact0, exact0], exact: [exact0, exact0],
                                          targets: ["t0", "x"], beamSeconds: 0, exactSeconds: 0, bootstrap: Bootstrap(),
                                          perToken: [exact0, Array(exact0.prefix(9)) + ["x"]], tokens: lengths)
        XCTAssertEqual(c.exactRecall10.value, 0.5, accuracy: 1e-12)
        XCTAssertEqual(c.perTokenRecall10?.value ?? -1, 1, accuracy: 1e-12)
        XCTAssertEqual(c.perTokenDifference?.value ?? -1, 0.5, accuracy: 1e-12)
        XCTAssertEqual(c.meanTokens, lengths)
    }
}
