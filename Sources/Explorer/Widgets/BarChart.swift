/// Labelled horizontal bars for values in a signed range, e.g. tanh(α) in [-1, 1]:
/// negative values grow left of a zero axis, positive ones right of it.
public struct BarChart {
    public struct Bar {
        public var label: String
        public var value: Double
        public var valueText: String
        public init(label: String, value: Double, valueText: String) {
            self.label = label
            self.value = value
            self.valueText = valueText
        }
    }

    public var bars: [Bar]
    public var range: ClosedRange<Double>

    public init(bars: [Bar], range: ClosedRange<Double>) {
        self.bars = bars
        self.range = range
    }

    public func draw(on canvas: Canvas, in rect: Rect, theme: Theme) {
        guard !bars.isEmpty, rect.width > 10 else { return }
        let labelW = min(rect.width / 4, bars.map { DisplayWidth.of($0.label) }.max() ?? 0)
        let valueW = min(rect.width / 3, bars.map { DisplayWidth.of($0.valueText) }.max() ?? 0)
        let barW = rect.width - labelW - valueW - 2
        guard barW > 2 else { return }
        let span = max(1e-12, range.upperBound - range.lowerBound)
        // Column of the zero axis, in eighths of a cell from the bar's left edge.
        let zero = Int(((0 - range.lowerBound) / span * Double(barW * 8)).rounded())
        for (i, bar) in bars.prefix(rect.height).enumerated() {
            let y = rect.y + i
            canvas.putPadded(bar.label, x: rect.x, y: y, width: labelW, style: theme.style(.normal))
            let v = min(range.upperBound, max(range.lowerBound, bar.value.isFinite ? bar.value : 0))
            let end = Int(((v - range.lowerBound) / span * Double(barW * 8)).rounded())
            let text = BarChart.segment(from: min(zero, end), to: max(zero, end), width: barW, glyphs: theme.glyphs, leftAligned: end >= zero)
            canvas.put(text, x: rect.x + labelW + 1, y: y, style: theme.style(v < 0 ? .barNegative : .bar), maxWidth: barW)
            canvas.putPadded(bar.valueText, x: rect.x + labelW + barW + 2, y: y, width: valueW, style: theme.style(.muted), alignRight: true)
        }
    }

    /// A bar covering eighth-cells [from, to) of a `width`-cell track.
    static func segment(from: Int, to: Int, width: Int, glyphs: Glyphs, leftAligned: Bool) -> String {
        var out = ""
        for cell in 0..<width {
            let lo = cell * 8, hi = lo + 8
            let covered = max(0, min(hi, to) - max(lo, from))
            if covered >= 8 { out.append(glyphs.barEighths[8]) }
            else if covered == 0 { out.append(" ") }
            // Partial cells: eighth blocks grow from the left, so a partial cell at the left
            // end of a negative bar is drawn full-or-empty by rounding.
            else if leftAligned { out.append(glyphs.barEighths[covered]) }
            else { out.append(covered >= 4 ? glyphs.barEighths[8] : " ") }
        }
        return out
    }
}
