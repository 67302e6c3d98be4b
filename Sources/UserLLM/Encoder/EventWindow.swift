import Timelines

/// A run of consecutive events of one user's timeline: positions `start..<end`. The
/// encoder reads them in time order; pretraining predicts position `end` after the last.
public struct EventWindow: Sendable, Hashable {
    public var user: Int32
    public var start: Int
    public var end: Int

    public init(user: Int32, start: Int, end: Int) {
        precondition(start >= 0 && start <= end, "event window \(start)..<\(end) is not a range")
        self.user = user
        self.start = start
        self.end = end
    }

    /// The window of a task example (its target is the event after the window).
    public init(_ example: Example) {
        self.init(user: example.user, start: Int(example.windowStart), end: Int(example.target))
    }

    public var count: Int { end - start }

    /// Pretraining windows over the training part of every timeline (LeaveLastOutSplit:
    /// validation and test targets are never inputs or targets). Per user, windows of up to
    /// `length` inputs end at every `stride`-th training target counted back from the last,
    /// so with stride == length each training event (but a timeline's first) is a target
    /// exactly once per epoch. Users with fewer than 2 training events give none.
    public static func pretraining(split: LeaveLastOutSplit, length: Int, stride: Int? = nil) -> [EventWindow] {
        precondition(length > 0, "pretraining window length \(length) must be positive")
        let step = stride ?? length
        precondition(step > 0, "pretraining window stride \(step) must be positive")
        var out: [EventWindow] = []
        for u in 0..<Int32(split.timelines.count) {
            let n = split.trainingCount(u)
            // The last input is at n − 2, so the last target (n − 1) is a training event.
            var end = n - 1
            while end >= 1 {
                out.append(EventWindow(user: u, start: max(0, end - length), end: end))
                end -= step
            }
        }
        return out
    }
}
