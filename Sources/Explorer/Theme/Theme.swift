/// How roles look in a colour mode, and which glyphs draw them.
public struct Theme: Sendable {
    public let mode: ColorMode
    public let glyphs: Glyphs
    public var ascii: Bool { glyphs.cutMarker == Glyphs.ascii.cutMarker }

    public init(mode: ColorMode, ascii: Bool = false) {
        self.mode = mode
        self.glyphs = ascii ? .ascii : .unicode
    }

    public func style(_ role: Role) -> Style {
        switch mode {
        case .xterm256: return style256(role)
        case .ansi8: return style8(role)
        case .monochrome: return styleMono(role)
        }
    }

    private func style256(_ role: Role) -> Style {
        switch role {
        case .normal: return .plain
        case .muted: return Style(fg: .indexed(244))
        case .border: return Style(fg: .indexed(240))
        case .borderFocused: return Style(fg: .indexed(75), bold: true)
        case .title: return Style(fg: .indexed(231), bg: .indexed(24), bold: true)
        case .header: return Style(fg: .indexed(250), bold: true, underline: true)
        case .selected: return Style(fg: .indexed(231), bg: .indexed(25), bold: true)
        case .selectedIdle: return Style(fg: .indexed(231), bg: .indexed(238))
        case .window: return Style(fg: .indexed(230), bg: .indexed(236))
        case .target: return Style(fg: .indexed(16), bg: .indexed(214), bold: true)
        case .tabActive: return Style(fg: .indexed(16), bg: .indexed(75), bold: true)
        case .tabInactive: return Style(fg: .indexed(250), bg: .indexed(237))
        case .hit: return Style(fg: .indexed(114), bold: true)
        case .miss: return Style(fg: .indexed(203))
        case .accent: return Style(fg: .indexed(75), bold: true)
        case .warning: return Style(fg: .indexed(214))
        case .error: return Style(fg: .indexed(196), bold: true)
        case .statusBar: return Style(fg: .indexed(252), bg: .indexed(236))
        case .statusKey: return Style(fg: .indexed(16), bg: .indexed(250), bold: true)
        case .bar: return Style(fg: .indexed(75))
        case .barNegative: return Style(fg: .indexed(203))
        case .overlay: return Style(fg: .indexed(231), bg: .indexed(235))
        }
    }

    private func style8(_ role: Role) -> Style {
        switch role {
        case .normal: return .plain
        case .muted: return Style(dim: true)
        case .border: return Style(fg: .basic(4))
        case .borderFocused: return Style(fg: .basic(6), bold: true)
        case .title: return Style(fg: .basic(7), bg: .basic(4), bold: true)
        case .header: return Style(bold: true, underline: true)
        case .selected: return Style(fg: .basic(7), bg: .basic(4), bold: true)
        case .selectedIdle: return Style(reverse: true)
        case .window: return Style(fg: .basic(3))
        case .target: return Style(fg: .basic(0), bg: .basic(3), bold: true)
        case .tabActive: return Style(fg: .basic(0), bg: .basic(6), bold: true)
        case .tabInactive: return Style(fg: .basic(7), bg: .basic(0))
        case .hit: return Style(fg: .basic(2), bold: true)
        case .miss: return Style(fg: .basic(1))
        case .accent: return Style(fg: .basic(6), bold: true)
        case .warning: return Style(fg: .basic(3), bold: true)
        case .error: return Style(fg: .basic(1), bold: true)
        case .statusBar: return Style(fg: .basic(7), bg: .basic(4))
        case .statusKey: return Style(fg: .basic(0), bg: .basic(7), bold: true)
        case .bar: return Style(fg: .basic(6))
        case .barNegative: return Style(fg: .basic(1))
        case .overlay: return Style(fg: .basic(7), bg: .basic(0))
        }
    }

    private func styleMono(_ role: Role) -> Style {
        switch role {
        case .normal, .border, .bar, .barNegative, .overlay, .tabInactive: return .plain
        case .muted, .miss: return Style(dim: true)
        case .borderFocused, .accent, .hit, .warning, .error: return Style(bold: true)
        case .title, .selected, .tabActive, .statusKey, .target: return Style(bold: true, reverse: true)
        case .selectedIdle, .statusBar: return Style(reverse: true)
        case .header: return Style(bold: true, underline: true)
        case .window: return Style(underline: true)
        }
    }

    /// A heat cell for `value` in [0, 1]: the character and style to draw it with.
    /// Colour modes colour the background; monochrome and ASCII use density glyphs.
    public func heat(_ value: Double) -> (Character, Style) {
        let v = value.isFinite ? min(1, max(0, value)) : 0
        switch mode {
        case .xterm256 where !ascii:
            return (" ", Style(bg: .indexed(Theme.heatRamp256[Int((v * Double(Theme.heatRamp256.count - 1)).rounded())])))
        case .ansi8 where !ascii:
            let ramp: [UInt8] = [0, 4, 6, 2, 3, 1]
            return (" ", Style(bg: .basic(ramp[Int((v * Double(ramp.count - 1)).rounded())])))
        default:
            let s = glyphs.shades
            return (s[Int((v * Double(s.count - 1)).rounded())], .plain)
        }
    }

    /// Dark blue → teal → yellow, a viridis-like ramp in the xterm cube.
    static let heatRamp256: [UInt8] = [17, 18, 19, 25, 31, 37, 36, 35, 71, 107, 143, 179, 220, 226]
}
