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

    /// From per-user top-10 lists (titles), the targets, and the times.
    public static func compare(model: String, beams: Int, beam: [[String]], exact: [[String]], targets: [String],
                               beamSeconds: Double, exactSeconds: Double, bootstrap: Bootstrap) -> ExactRankingCheck {
        precondition(beam.count == exact.count && exact.count == targets.count, "exact ranking check: lists do not pair up")
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
        return ExactRankingCheck(model: model, users: n, beams: beams, differentOrder: order, differentSet: set,
                                 meanOverlap: overlap / d, beamRecall10: bootstrap.interval(hitsBeam),
                                 exactRecall10: bootstrap.interval(hitsExact),
                                 difference: bootstrap.pairedDifference(hitsExact, hitsBeam),
                                 beamSecondsPerUser: beamSeconds / d, exactSecondsPerUser: exactSeconds / d)
    }
}
