/// A terminal colour as the three colour modes can express it.
public enum TerminalColor: Hashable, Sendable {
    /// The terminal's own foreground/background.
    case `default`
    /// One of the eight ANSI colours (0 black … 7 white).
    case basic(UInt8)
    /// One of the 256 xterm colours.
    case indexed(UInt8)
}

/// How a run of cells is drawn. Themes produce these from semantic roles; a Canvas
/// draws them in whatever the terminal supports.
public struct Style: Hashable, Sendable {
    public var fg: TerminalColor
    public var bg: TerminalColor
    public var bold: Bool
    public var dim: Bool
    public var underline: Bool
    public var reverse: Bool

    public init(fg: TerminalColor = .default, bg: TerminalColor = .default, bold: Bool = false,
                dim: Bool = false, underline: Bool = false, reverse: Bool = false) {
        self.fg = fg
        self.bg = bg
        self.bold = bold
        self.dim = dim
        self.underline = underline
        self.reverse = reverse
    }

    public static let plain = Style()

    /// ANSI SGR parameters for this style (after a reset), e.g. "1;38;5;208".
    public var sgrParameters: String {
        var p: [String] = []
        if bold { p.append("1") }
        if dim { p.append("2") }
        if underline { p.append("4") }
        if reverse { p.append("7") }
        switch fg {
        case .default: break
        case .basic(let n): p.append(String(30 + Int(n & 7)))
        case .indexed(let n): p.append("38;5;\(n)")
        }
        switch bg {
        case .default: break
        case .basic(let n): p.append(String(40 + Int(n & 7)))
        case .indexed(let n): p.append("48;5;\(n)")
        }
        return p.joined(separator: ";")
    }
}
