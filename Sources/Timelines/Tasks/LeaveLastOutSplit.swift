/// Leave-last-out per user: the last event is the test target, the second-to-last the
/// validation target, the earlier ones are training. Positions are indices into the
/// user's `Timeline`. A target needs at least one event before it (its history).
public struct LeaveLastOutSplit: Sendable {
    public let timelines: Timelines

    /// How the split orders events that share a timestamp, stated beside every results
    /// table: it decides the test item (MovieLens-100K's last two events share a timestamp
    /// for ~44% of users). `Timelines` sorts by (timestamp, position in the source file).
    public static let tieRule = "leave-last-out per user; events with equal timestamps keep source-file order"

    public init(timelines: Timelines) { self.timelines = timelines }

    /// Position of the test target (the last event); nil with fewer than 2 events.
    public func testTarget(_ user: Int32) -> Int? {
        let n = timelines[user].count
        return n >= 2 ? n - 1 : nil
    }

    /// Position of the validation target (second-to-last); nil with fewer than 3 events.
    public func validationTarget(_ user: Int32) -> Int? {
        let n = timelines[user].count
        return n >= 3 ? n - 2 : nil
    }

    /// How many leading events are training events: all but the last two.
    public func trainingCount(_ user: Int32) -> Int { max(0, timelines[user].count - 2) }

    /// Target positions of a part: training targets are positions 1..<trainingCount
    /// (each predicted from the events before it).
    public func targets(_ part: SplitPart, user: Int32) -> [Int] {
        switch part {
        case .test: return testTarget(user).map { [$0] } ?? []
        case .validation: return validationTarget(user).map { [$0] } ?? []
        case .train:
            let n = trainingCount(user)
            return n >= 2 ? Array(1..<n) : []
        }
    }
}
