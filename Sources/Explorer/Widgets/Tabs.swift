/// A row of tabs, e.g. "1 next item │ 2 favourite genre │ 3 review".
public struct Tabs {
    public var labels: [String]
    public var active: Int

    public init(labels: [String], active: Int) {
        self.labels = labels
        self.active = active
    }

    /// Draws the tabs; returns each tab's rectangle (for mouse clicks).
    @discardableResult
    public func draw(on canvas: Canvas, x: Int, y: Int, maxWidth: Int, theme: Theme) -> [Rect] {
        var cx = x
        var rects: [Rect] = []
        for (i, label) in labels.enumerated() {
            let text = " \(label) "
            let room = x + maxWidth - cx
            if room <= 0 { break }
            let w = canvas.put(text, x: cx, y: y, style: theme.style(i == active ? .tabActive : .tabInactive), maxWidth: room)
            rects.append(Rect(x: cx, y: y, width: w, height: 1))
            cx += w + 1
        }
        return rects
    }
}
