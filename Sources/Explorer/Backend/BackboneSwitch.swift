/// The two runs `B` moves between for one dataset: the one shown, and the finished run on
/// the other backbone (the pretrained SmolLM2 for a from-scratch run, and the other way).
public struct BackboneSwitch: Sendable {
    public private(set) var shown: RunOpening
    /// nil: the dataset has no finished run on the other backbone.
    public private(set) var other: RunOpening?
    /// The status line when `other` is nil: that there is none, and how to train one.
    public var missing: String

    public init(shown: RunOpening, other: RunOpening?, missing: String) {
        self.shown = shown
        self.other = other
        self.missing = missing
    }

    /// Makes the other run the shown one (so the next swap comes back) and returns it;
    /// nil, changing nothing, when there is no other run.
    public mutating func swap() -> RunOpening? {
        guard let next = other else { return nil }
        other = shown
        shown = next
        return next
    }
}
