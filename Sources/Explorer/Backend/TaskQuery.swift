/// One question the explorer asks the model side: a task on a user's history up to a cut.
///
/// Events are indices into `Dataset.events` so the backend reads features (item,
/// categories, rating, time, text) from the same `Dataset` the explorer shows.
public struct TaskQuery: Hashable, Sendable {
    /// Index into `Dataset.users`.
    public var user: Int32
    /// Position of the target in the user's time-sorted timeline (`ExplorerData.timelines`).
    public var cut: Int
    public var task: ExplorerTask
    /// The history window the models see, oldest first: at most `windowSize` events
    /// immediately before the cut (indices into `Dataset.events`).
    public var history: [Int]
    /// The event at the cut (index into `Dataset.events`).
    public var target: Int
    /// The answer hits are marked against: the target's item name (next item), the
    /// window's most frequent category, ties to the most recent (favourite genre), or
    /// the target's review text (review).
    public var expected: String
    /// How many ranked answers to return (constrained beam width).
    public var topK: Int

    public init(user: Int32, cut: Int, task: ExplorerTask, history: [Int], target: Int, expected: String, topK: Int) {
        self.user = user
        self.cut = cut
        self.task = task
        self.history = history
        self.target = target
        self.expected = expected
        self.topK = topK
    }
}
