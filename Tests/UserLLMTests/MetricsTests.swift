import XCTest
import UserLLM

final class RougeTests: XCTestCase {
    func testTokenizerMatchesRougeScore() {
        XCTAssertEqual(Rouge.tokenize("It's GREAT -- 10/10, café!"), ["it", "s", "great", "10", "10", "caf"])
    }

    /// Worked by hand: prediction "the cat was on the mat", reference "the cat sat on the mat".
    /// Unigrams: 5 of 6 match both ways (was/sat differ) → P = R = F = 5/6.
    /// Bigrams: pred {the cat, cat was, was on, on the, the mat}, ref {the cat, cat sat,
    /// sat on, on the, the mat} → 3 shared of 5 → 0.6. LCS "the cat on the mat" = 5 → 5/6.
    func testHandComputedSingleSentence() {
        let s = Rouge.score(prediction: "the cat was on the mat", reference: "the cat sat on the mat")
        XCTAssertEqual(s.rouge1.f1, 5.0 / 6, accuracy: 1e-12)
        XCTAssertEqual(s.rouge2.f1, 0.6, accuracy: 1e-12)
        XCTAssertEqual(s.rougeL.f1, 5.0 / 6, accuracy: 1e-12)
        XCTAssertEqual(s.rougeLsum.f1, 5.0 / 6, accuracy: 1e-12)
    }

    /// Unequal lengths: pred "a b c d" (4), ref "a c" (2): unigram hits 2 → P = 0.5, R = 1,
    /// F = 2/3; no shared bigram; LCS "a c" = 2 → same as unigrams.
    func testHandComputedPrecisionRecall() {
        let s = Rouge.score(prediction: "a b c d", reference: "a c")
        XCTAssertEqual(s.rouge1.precision, 0.5, accuracy: 1e-12)
        XCTAssertEqual(s.rouge1.recall, 1, accuracy: 1e-12)
        XCTAssertEqual(s.rouge1.f1, 2.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(s.rouge2.f1, 0)
        XCTAssertEqual(s.rougeL.f1, 2.0 / 3, accuracy: 1e-12)
    }

    /// Clipping: "the the the" against "the cat": one "the" in the reference → 1 hit.
    func testRepeatedTokensAreClipped() {
        let s = Rouge.score(prediction: "the the the", reference: "the cat")
        XCTAssertEqual(s.rouge1.precision, 1.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(s.rouge1.recall, 0.5, accuracy: 1e-12)
    }

    /// Values printed by Python's rouge-score 0.1.2 (Tools/reference/rouge_golden.py) for
    /// multi-sentence texts, where ROUGE-Lsum's union LCS differs from ROUGE-L.
    func testAgreesWithRougeScorePackage() {
        let cases: [(String, String, [Double])] = [
            ("the cat was on the mat\nthe cat was happy", "the cat sat on the mat\nit was happy",
             [0.7368421052631577, 0.47058823529411764, 0.7368421052631577, 0.7368421052631577]),
            ("great gift card\nfast delivery and easy to use", "easy to use gift card\ndelivery was fast",
             [0.823529411764706, 0.39999999999999997, 0.35294117647058826, 0.7058823529411765]),
            ("", "nothing predicted", [0, 0, 0, 0]),
        ]
        for (prediction, reference, expected) in cases {
            let s = Rouge.score(prediction: prediction, reference: reference)
            let got = [s.rouge1.f1, s.rouge2.f1, s.rougeL.f1, s.rougeLsum.f1]
            for (g, e) in zip(got, expected) { XCTAssertEqual(g, e, accuracy: 1e-9, "\(prediction) vs \(reference)") }
        }
    }

    func testSentenceSplitting() {
        XCTAssertEqual(Rouge.splitSentences("Great card. Would buy again! Yes"), "Great card.\nWould buy again!\nYes")
    }
}

final class RankingMetricsTests: XCTestCase {
    func testRecallAndNDCG() {
        var m = RankingMetrics(cutoffs: [1, 5, 10])
        m.add(ranking: [7, 3, 9], target: 7)            // rank 0: hit everywhere, gain 1
        m.add(ranking: [1, 2, 3, 4, 5, 6], target: 6)   // rank 5: miss @1 and @5, gain 1/log2(7) @10
        m.add(ranking: [1, 2], target: 42)              // absent
        XCTAssertEqual(m.recall(at: 1), 1.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(m.recall(at: 5), 1.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(m.recall(at: 10), 2.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(m.ndcg(at: 10), (1 + 1 / log2(7.0)) / 3, accuracy: 1e-12)
        var other = RankingMetrics(cutoffs: [1, 5, 10])
        other.add(ranking: [5], target: 5)
        m.merge(other)
        XCTAssertEqual(m.users, 4)
        XCTAssertEqual(m.recall(at: 1), 0.5, accuracy: 1e-12)
    }
}
