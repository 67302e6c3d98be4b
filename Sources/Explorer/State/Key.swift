/// A key press, independent of the terminal library that read it.
public enum Key: Hashable, Sendable, CustomStringConvertible {
    case char(Character)
    case up, down, left, right
    case pageUp, pageDown, home, end
    case tab, backTab, enter, escape, backspace

    /// How the key is written in the help overlay and the README.
    public var description: String {
        switch self {
        case .char(" "): return "Space"
        case .char(let c): return String(c)
        case .up: return "↑"
        case .down: return "↓"
        case .left: return "←"
        case .right: return "→"
        case .pageUp: return "PgUp"
        case .pageDown: return "PgDn"
        case .home: return "Home"
        case .end: return "End"
        case .tab: return "Tab"
        case .backTab: return "Shift-Tab"
        case .enter: return "Enter"
        case .escape: return "Esc"
        case .backspace: return "Backspace"
        }
    }

    /// An ASCII spelling for `--ascii` help screens.
    public var asciiDescription: String {
        switch self {
        case .up: return "Up"
        case .down: return "Down"
        case .left: return "Left"
        case .right: return "Right"
        default: return description
        }
    }
}

/// Everything the UI loop can feed into the state.
public enum InputEvent: Hashable, Sendable {
    case key(Key)
    case resize(width: Int, height: Int)
    case mouse(MouseEvent)
}

public struct MouseEvent: Hashable, Sendable {
    public enum Kind: Hashable, Sendable { case click, wheelUp, wheelDown }
    public var kind: Kind
    public var x: Int
    public var y: Int
    public init(kind: Kind, x: Int, y: Int) {
        self.kind = kind
        self.x = x
        self.y = y
    }
}
