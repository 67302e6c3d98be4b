/// How far the next-item beam search is from the model's exact ranking, on the first users
/// of the test part: the exact ranking scores every catalogue title by its full
/// log-probability (a beam as wide as the catalogue keeps every live prefix, so it is
/// exhaustive), the beam search is what `eval` reports. Both rank the same titles with
/// the same history mask, so they differ only where the beam pruned a prefix too early.
public struct ExactRankingCheck: Codable, Equatable, Sendable {
    public var model: String
    public var users: Int
    /// Beam width of the search being checked.
    public var beams: Int
    /// Users whose top 10 (as an ordered list) differs from the exact top 10.
    public var differentOrder: Int
    /// Users whose top 10 (as a set) differs from the exact top 10.
    public var differentSet: Int
    /// Mean |beam top 10 ∩ exact top 10| / 10.
    public var meanOverlap: Double
    public var beamRecall10: ConfidenceInterval
    public var exactRecall10: ConfidenceInterval
    /// Exact − beam Recall@10, paired over the same users.
    public var difference: ConfidenceInterval
    public var beamSecondsPerUser: Double
    public var exactSecondsPerUser: Double
    /// The same exact scores divided by each title's token count (mean log-probability per
    /// token), re-ranked: whether the sum's pull towards short titles costs recall. nil in
    /// reports written before it was measured.
    public var perTokenRecall10: ConfidenceInterval?
    /// Per-token − exact Recall@10, paired.
    public var perTokenDifference: ConfidenceInterval?
    /// Mean token count of the exact top 10's titles, of the per-token top 10's, and of the
    /// targets: the length bias in tokens.
    public var meanTokens: TokenLengths?

    public struct TokenLengths: Codable, Equatable, Sendable {
        public var exactTop10: Double
        public var perTokenTop10: Double
        public var targets: Double

        public init(exactTop10: Double, perTokenTop10: Double, targets: Double) {
            self.exactTop10 = exactTop10
            self.perTokenTop10 = perTokenTop10
            self.targets = targets
        }
    }

    public init(model: String, users: Int, beams: Int, differentOrder: Int, differentSet: Int, meanOverlap: Double,
                beamRecall10: ConfidenceInterval, exactRecall10: ConfidenceInterval, difference: ConfidenceInterval,
                beamSecondsPerUser: Double, exactSecondsPerUser: Double) {
        self.model = model
        self.users = users
        self.beams = beams
        self.differentOrder = differentOrder
        self.differentSet = differentSet
        self.meanOverlap = meanOverlap
        self.beamRecall10 = beamRecall10
        self.exactRecall10 = exactRecall10
        self.difference = difference
        self.beamSecondsPerUser = beamSecondsPerUser
        self.exactSecondsPerUser = exactSecondsPerUser
    }

    /// Every title by mean log-probability per token, best first; ties keep the exact order.
    public static func perTokenOrder(_ answers: [Prediction.Answer]) -> [Prediction.Answer] {
        answers.enumerated().sorted { a, b in
            let (x, y) = (a.element.logProb / Double(max(a.element.tokens, 1)), b.element.logProb / Double(max(b.element.tokens, 1)))
            return x != y ? x > y : a.offset < b.offset
        }.map(\.element)
    }

    /// From per-user top-10 lists (titles), the targets, and the times; with `perToken`
    /// (the per-token top-10 lists) and `tokens`, the per-token figures too.
    public static func compare(model: String, beams: Int, beam: [[String]], exact: [[String]], targets: [String],
                               beamSeconds: Double, exactSeconds: Double, bootstrap: Bootstrap,
                               perToken: [[String]]? = nil, tokens: TokenLengths? = nil) -> ExactRankingCheck {
        precondition(beam.count == exact.count && exact.count == targets.count && (perToken?.count ?? targets.count) == targets.count,
                     "exact ranking check: lists do not pair up")
        let n = targets.count
        var order = 0, set = 0, overlap = 0.0
        var hitsBeam: [Double] = [], hitsExact: [Double] = []
        for i in 0..<n {
            let b = Array(beam[i].prefix(10)), e = Array(exact[i].prefix(10))
            if b != e { order += 1 }
            if Set(b) != Set(e) { set += 1 }
            overlap += Double(Set(b).intersection(e).count) / 10
            hitsBeam.append(b.contains(targets[i]) ? 1 : 0)
            hitsExact.append(e.contains(targets[i]) ? 1 : 0)
        }
        let d = Double(max(n, 1))
        var check = ExactRankingCheck(model: model, users: n, beams: beams, differentOrder: order, differentSet: set,
                                      meanOverlap: overlap / d, beamRecall10: bootstrap.interval(hitsBeam),
                                      exactRecall10: bootstrap.interval(hitsExact),
                                      difference: bootstrap.pairedDifference(hitsExact, hitsBeam),
                                      beamSecondsPerUser: beamSeconds / d, exactSecondsPerUser: exactSeconds / d)
        if let perToken {
            let hitsPerToken = (0..<n).map { perToken[$0].prefix(10).contains(targets[$0]) ? 1.0 : 0 }
            check.perTokenRecall10 = bootstrap.interval(hitsPerToken)
            check.perTokenDifference = bootstrap.pairedDifference(hitsPerToken, hitsExact)
        }
        check.meanTokens = tokens
        return check
    }
}
