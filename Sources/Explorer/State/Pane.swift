/// The three panes Tab cycles through.
public enum Pane: String, Sendable, CaseIterable {
    case users, timeline, detail
}

/// What the detail pane (bottom right) shows.
public enum DetailView: String, Sendable, CaseIterable {
    case tasks, gates, attention
}

/// Users list order.
public enum UserSort: String, Sendable, CaseIterable {
    case id, length
}
