/// The bottom line: key hints on the left, a message on the right.
public struct StatusBar {
    public var hints: [(key: String, label: String)]
    public var message: String
    /// The most of the line the message may take (the hints get the rest).
    public var messageShare: Double

    public init(hints: [(key: String, label: String)], message: String, messageShare: Double = 0.5) {
        self.hints = hints
        self.message = message
        self.messageShare = messageShare
    }

    public func draw(on canvas: Canvas, y: Int, width: Int, theme: Theme) {
        canvas.fill(Rect(x: 0, y: y, width: width, height: 1), with: " ", style: theme.style(.statusBar))
        let msgW = min(DisplayWidth.of(message), Int(Double(width) * messageShare))
        var x = 0
        let limit = width - msgW - 1
        for h in hints {
            let need = DisplayWidth.of(h.key) + DisplayWidth.of(h.label) + 3
            if x + need > limit { break }
            x += canvas.put(" \(h.key) ", x: x, y: y, style: theme.style(.statusKey), maxWidth: limit - x)
            x += canvas.put("\(h.label) ", x: x, y: y, style: theme.style(.statusBar), maxWidth: limit - x)
        }
        if msgW > 0 {
            canvas.putPadded(message, x: width - msgW, y: y, width: msgW, style: theme.style(.statusBar), alignRight: true, ellipsis: theme.glyphs.ellipsis)
        }
    }
}
