/// A bordered panel with a title in its top edge; the interior is `rect.inset(1)`.
public struct Frame {
    public var title: String
    public var focused: Bool

    public init(title: String, focused: Bool = false) {
        self.title = title
        self.focused = focused
    }

    public func draw(on canvas: Canvas, in rect: Rect, theme: Theme) {
        guard rect.width >= 2, rect.height >= 2 else { return }
        let g = theme.glyphs
        let s = theme.style(focused ? .borderFocused : .border)
        let h = String(repeating: g.horizontal, count: rect.width - 2)
        canvas.put(String(g.topLeft) + h + String(g.topRight), x: rect.x, y: rect.y, style: s, maxWidth: rect.width)
        canvas.put(String(g.bottomLeft) + h + String(g.bottomRight), x: rect.x, y: rect.maxY - 1, style: s, maxWidth: rect.width)
        for y in (rect.y + 1)..<(rect.maxY - 1) {
            canvas.put(String(g.vertical), x: rect.x, y: y, style: s, maxWidth: 1)
            canvas.put(String(g.vertical), x: rect.maxX - 1, y: y, style: s, maxWidth: 1)
        }
        canvas.fill(rect.inset(1), with: " ", style: .plain)
        if !title.isEmpty, rect.width > 6 {
            let t = DisplayWidth.truncate(" \(title) ", to: rect.width - 4, ellipsis: g.ellipsis)
            canvas.put(t, x: rect.x + 2, y: rect.y, style: theme.style(focused ? .accent : .header).withoutUnderline, maxWidth: rect.width - 4)
        }
    }
}

extension Style {
    var withoutUnderline: Style { var s = self; s.underline = false; return s }
}
