/// An in-memory Canvas: the frame as cells, rendered to plain text or ANSI-coloured text.
/// Used by `--snapshot`, the golden-render tests and the navigation benchmark.
public final class TextCanvas: Canvas {
    /// One terminal cell: its grapheme (empty for the right half of a wide character).
    public struct Cell: Hashable {
        public var grapheme: String
        public var style: Style
    }

    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]

    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: Cell(grapheme: " ", style: .plain), count: self.width * self.height)
    }

    public subscript(x: Int, y: Int) -> Cell { cells[y * width + x] }

    @discardableResult
    public func put(_ text: String, x: Int, y: Int, style: Style, maxWidth: Int?) -> Int {
        guard y >= 0, y < height, x < width else { return 0 }
        let limit = min(width, maxWidth.map { x + max(0, $0) } ?? width)
        var col = x
        for ch in sanitizedForTerminal(text) {
            let w = DisplayWidth.of(ch)
            if w == 0 { continue }  // a lone zero-width cluster has no cell of its own
            if col + w > limit {
                // A wide character that would straddle the edge leaves a blank instead.
                if col < limit, col >= 0 { set(col, y, " ", style) }
                col = limit
                break
            }
            if col >= 0 {
                set(col, y, String(ch), style)
                if w == 2 { set(col + 1, y, "", style) }
            }
            col += w
        }
        return max(0, col - max(x, 0))
    }

    public func fill(_ rect: Rect, with character: Character, style: Style) {
        let g = String(character)
        for y in max(0, rect.y)..<min(height, rect.maxY) {
            for x in max(0, rect.x)..<min(width, rect.maxX) { set(x, y, g, style) }
        }
    }

    private func set(_ x: Int, _ y: Int, _ g: String, _ style: Style) {
        let i = y * width + x
        // Overwriting half of a wide character blanks its other half, as a terminal does.
        if cells[i].grapheme.isEmpty, x > 0, !g.isEmpty { cells[i - 1].grapheme = " " }
        if x + 1 < width, cells[i + 1].grapheme.isEmpty, !cells[i].grapheme.isEmpty {
            cells[i + 1].grapheme = " "
        }
        cells[i] = Cell(grapheme: g, style: style)
    }

    /// Row `y` as plain text, trailing spaces kept (every row is `width` columns wide).
    public func line(_ y: Int) -> String {
        var s = ""
        for x in 0..<width { s += cells[y * width + x].grapheme }
        return s
    }

    /// The frame as plain text, one line per row, trailing spaces trimmed.
    public func plainText() -> String {
        (0..<height).map { trimTrailing(line($0)) }.joined(separator: "\n") + "\n"
    }

    /// The frame with ANSI SGR colour sequences; each row ends with a reset.
    public func ansiText() -> String {
        var out = ""
        for y in 0..<height {
            var current: Style? = nil
            for x in 0..<width {
                let c = cells[y * width + x]
                if c.grapheme.isEmpty { continue }
                if c.style != current {
                    let p = c.style.sgrParameters
                    out += p.isEmpty ? "\u{1B}[0m" : "\u{1B}[0;\(p)m"
                    current = c.style
                }
                out += c.grapheme
            }
            out += "\u{1B}[0m\n"
        }
        return out
    }

    private func trimTrailing(_ s: String) -> String {
        var t = Substring(s)
        while t.last == " " { t = t.dropLast() }
        return String(t)
    }
}
