/// What a piece of the screen means; a `Theme` decides how each role looks.
public enum Role: Hashable, Sendable, CaseIterable {
    case normal
    case muted          // secondary text, events after the cut
    case border
    case borderFocused
    case title
    case header         // table headers
    case selected       // the cursor row of the focused pane
    case selectedIdle   // the cursor row of an unfocused pane
    case window         // events inside the history window the models see
    case target         // the event at the cut
    case tabActive
    case tabInactive
    case hit
    case miss
    case accent
    case warning
    case error
    case statusBar
    case statusKey
    case bar
    case barNegative
    case overlay
}
