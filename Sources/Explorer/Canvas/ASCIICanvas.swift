/// Wraps a canvas for `--ascii`: the interface's own symbols (box drawing, blocks,
/// arrows, stars, dots) become ASCII on the way through, so none can slip past the
/// glyph tables. Dataset text is otherwise passed as is.
public final class ASCIICanvas: Canvas {
    public let base: Canvas
    public init(_ base: Canvas) { self.base = base }
    public var width: Int { base.width }
    public var height: Int { base.height }

    static let map: [Character: String] = [
        "·": "|", "÷": "/", "×": "x", "–": "-", "—": "-", "…": "~", "→": "->", "←": "<-",
        "↑": "^", "↓": "v", "▶": ">", "▼": "v", "★": "*", "☆": ".", "½": "+", "✓": "+", "✗": "x",
        "α": "a", "─": "-", "│": "|", "┌": "+", "┐": "+", "└": "+", "┘": "+", "█": "#", "░": ".",
        "▒": ":", "▓": "*", "▸": ">", "⠋": "|", "⠙": "/", "⠹": "-", "⠸": "\\", "⠼": "|", "⠴": "/", "⠦": "-", "⠧": "\\", "⠇": "|", "⠏": "/",
    ]

    public static func transliterate(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.value >= 0x80 }) else { return text }
        var out = ""
        for c in text { if let r = map[c] { out += r } else { out.append(c) } }
        return out
    }

    @discardableResult
    public func put(_ text: String, x: Int, y: Int, style: Style, maxWidth: Int?) -> Int {
        base.put(ASCIICanvas.transliterate(text), x: x, y: y, style: style, maxWidth: maxWidth)
    }

    public func fill(_ rect: Rect, with character: Character, style: Style) {
        let t = ASCIICanvas.transliterate(String(character))
        base.fill(rect, with: t.count == 1 ? t.first! : " ", style: style)
    }
}
