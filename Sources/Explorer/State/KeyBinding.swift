/// Where a binding applies. Specific contexts are consulted before `global`.
public enum KeyContext: String, Sendable, CaseIterable {
    case global
    case timeline    // timeline pane focused
    case attention   // attention view shown and the detail pane focused

    public var title: String {
        switch self {
        case .global: return "Everywhere"
        case .timeline: return "Timeline pane"
        case .attention: return "Attention view (detail pane focused)"
        }
    }
}

/// One row of the keymap: the keys, what they do, and where.
public struct KeyBinding: Sendable {
    public var keys: [Key]
    public var action: Action
    public var context: KeyContext
    public var summary: String
    /// A short label for the status bar, or nil to keep it out of the bar.
    public var hint: String?

    public init(_ keys: [Key], _ action: Action, _ context: KeyContext = .global, _ summary: String, hint: String? = nil) {
        self.keys = keys
        self.action = action
        self.context = context
        self.summary = summary
        self.hint = hint
    }

    public func keyLabel(ascii: Bool) -> String {
        keys.map { ascii ? $0.asciiDescription : $0.description }.joined(separator: " ")
    }
}
