/// One task example: a window of a user's timeline and the answer expected after it.
/// Light on purpose (positions, not copies of events): ml-20m yields ~20M of them.
public struct Example: Sendable, Hashable {
    public var task: TaskKind
    public var part: SplitPart
    public var user: Int32
    /// First timeline position of the window; the window is `windowStart..<target`.
    public var windowStart: Int32
    /// Timeline position of the target event (the event the window precedes).
    public var target: Int32
    /// The expected output: an item name, a category, or review text.
    public var answer: String

    public init(task: TaskKind, part: SplitPart, user: Int32, windowStart: Int32, target: Int32, answer: String) {
        self.task = task
        self.part = part
        self.user = user
        self.windowStart = windowStart
        self.target = target
        self.answer = answer
    }

    /// The window's timeline positions.
    public var window: Range<Int> { Int(windowStart)..<Int(target) }
}
