/// A grid of terminal cells the explorer draws on. `TextCanvas` keeps it in memory
/// (tests, `--snapshot`, benchmarks); `ExplorerCurses.CursesCanvas` puts it on a terminal.
///
/// Implementations clip at their edges and lay text out by `DisplayWidth`: a wide
/// character takes two cells, and one that would straddle the clip edge is replaced by
/// a space so columns to its right never shift.
public protocol Canvas: AnyObject {
    var width: Int { get }
    var height: Int { get }
    /// Draws `text` from column `x` of row `y`, at most `maxWidth` columns (nil: to the
    /// right edge). Returns the number of columns drawn.
    @discardableResult
    func put(_ text: String, x: Int, y: Int, style: Style, maxWidth: Int?) -> Int
    /// Fills `rect` with `character` (width 1) in `style`.
    func fill(_ rect: Rect, with character: Character, style: Style)
}

extension Canvas {
    public var bounds: Rect { Rect(x: 0, y: 0, width: width, height: height) }

    @discardableResult
    public func put(_ text: String, x: Int, y: Int, style: Style = .plain) -> Int {
        put(text, x: x, y: y, style: style, maxWidth: nil)
    }

    /// Draws `text` padded or truncated (with an ellipsis) to exactly `width` columns.
    public func putPadded(_ text: String, x: Int, y: Int, width: Int, style: Style, alignRight: Bool = false, ellipsis: String = "…") {
        guard width > 0 else { return }
        put(DisplayWidth.pad(text, to: width, ellipsis: ellipsis, alignRight: alignRight), x: x, y: y, style: style, maxWidth: width)
    }

    public func clear(_ style: Style = .plain) {
        fill(bounds, with: " ", style: style)
    }
}

/// Text made safe to draw: control characters (tabs, newlines, escapes) become spaces
/// so a stray byte in a dataset cannot move the cursor or inject escape sequences.
public func sanitizedForTerminal(_ text: String) -> String {
    if !text.unicodeScalars.contains(where: { $0.value < 0x20 || ($0.value >= 0x7F && $0.value < 0xA0) }) { return text }
    var out = String.UnicodeScalarView()
    for s in text.unicodeScalars {
        out.append((s.value < 0x20 || (s.value >= 0x7F && s.value < 0xA0)) ? " " : s)
    }
    return String(out)
}
