/// The one keymap: key handling, the `?` help overlay, the status bar hints and the
/// README's key table (`userllm-tui --print-keys`) are all generated from this table.
public struct Keymap: Sendable {
    public var bindings: [KeyBinding]

    public init(bindings: [KeyBinding]) { self.bindings = bindings }

    public static let standard = Keymap(bindings: [
        KeyBinding([.char("q")], .quit, .global, "Quit", hint: "quit"),
        KeyBinding([.char("?")], .toggleHelp, .global, "Show or hide this help", hint: "help"),
        KeyBinding([.tab], .focusNext, .global, "Focus the next pane (users, timeline, detail)", hint: "pane"),
        KeyBinding([.backTab], .focusPrevious, .global, "Focus the previous pane"),
        KeyBinding([.up, .char("k")], .moveUp, .global, "Move up in the focused pane"),
        KeyBinding([.down, .char("j")], .moveDown, .global, "Move down in the focused pane"),
        KeyBinding([.pageUp], .pageUp, .global, "Page up"),
        KeyBinding([.pageDown], .pageDown, .global, "Page down"),
        KeyBinding([.home], .first, .global, "First row"),
        KeyBinding([.end], .last, .global, "Last row"),
        KeyBinding([.left, .char("h")], .cutEarlier, .global, "Move the cut one event earlier", hint: "cut"),
        KeyBinding([.right, .char("l")], .cutLater, .global, "Move the cut one event later"),
        KeyBinding([.char("/")], .startFilter, .global, "Filter users by id, demographics, genre (Enter keeps, Esc clears)", hint: "filter"),
        KeyBinding([.char("s")], .cycleSort, .global, "Sort users by id / by history length", hint: "sort"),
        KeyBinding([.char("1")], .showTask(.nextItem), .global, "Task tab: next item", hint: "tasks"),
        KeyBinding([.char("2")], .showTask(.favoriteGenre), .global, "Task tab: favourite genre / category"),
        KeyBinding([.char("3")], .showTask(.review), .global, "Task tab: review (datasets with review text)"),
        KeyBinding([.char("g")], .showGates, .global, "Gate view: tanh(α) of each cross-attention gate", hint: "gates"),
        KeyBinding([.char("a")], .showAttention, .global, "Attention view: cross-attention heatmap", hint: "attention"),
        KeyBinding([.char("t")], .toggleTraining, .global, "Training screen of the run training in the background (any key returns)"),
        KeyBinding([.char("B")], .switchBackbone, .global, "Switch backbone: SmolLM2 run / from-scratch LLM run"),
        KeyBinding([.escape], .cancel, .global, "Close help; clear the filter"),
        KeyBinding([.enter], .cutToCursor, .timeline, "Put the cut at the cursor's event"),
        KeyBinding([.char("[")], .layerPrevious, .attention, "Previous layer"),
        KeyBinding([.char("]")], .layerNext, .attention, "Next layer"),
        KeyBinding([.char("+"), .char("=")], .headNext, .attention, "Next head (after the last: average over heads)"),
        KeyBinding([.char("-")], .headPrevious, .attention, "Previous head"),
        KeyBinding([.left, .char("h")], .columnPrevious, .attention, "Hover the previous column (names its event)"),
        KeyBinding([.right, .char("l")], .columnNext, .attention, "Hover the next column"),
        KeyBinding([.char("m")], .toggleLatents, .attention, "Perceiver runs: text → latents / latents → events"),
    ])

    /// The action for `key` in `context`, falling back to the global bindings.
    public func action(for key: Key, in context: KeyContext) -> Action? {
        if context != .global, let b = bindings.first(where: { $0.context == context && $0.keys.contains(key) }) {
            return b.action
        }
        return bindings.first(where: { $0.context == .global && $0.keys.contains(key) })?.action
    }

    /// The README's key table.
    public func markdown() -> String {
        var out = "| Keys | Where | Does |\n|---|---|---|\n"
        for b in bindings {
            let keys = b.keys.map { "`\($0.description == "`" ? "``" : $0.description)`" }.joined(separator: " ")
            out += "| \(keys) | \(b.context.title) | \(b.summary) |\n"
        }
        out += "| mouse wheel, click | Users, timeline, tabs | Scroll; select a user, an event or a tab |\n"
        return out
    }

    /// Help overlay lines: (keys, summary) grouped under context headings (keys nil).
    public func helpLines(ascii: Bool) -> [(keys: String?, text: String)] {
        var out: [(String?, String)] = []
        for ctx in KeyContext.allCases {
            let rows = bindings.filter { $0.context == ctx }
            if rows.isEmpty { continue }
            if !out.isEmpty { out.append((nil, "")) }
            out.append((nil, ctx.title))
            for b in rows { out.append((b.keyLabel(ascii: ascii), b.summary)) }
        }
        out.append((nil, ""))
        out.append((nil, "Mouse: wheel scrolls, click selects a user, an event or a tab"))
        return out
    }

    /// (key, label) pairs for the status bar.
    public func hints(ascii: Bool) -> [(key: String, label: String)] {
        bindings.compactMap { b in
            b.hint.map { (key: ascii ? b.keys[0].asciiDescription : b.keys[0].description, label: $0) }
        }
    }
}
