/// A matrix of weights drawn as coloured cells (or density glyphs), with row labels,
/// a highlighted column and a legend mapping colours to values.
public struct Heatmap {
    /// Row-major values, `rows × columns`.
    public var values: [Float]
    public var rows: Int
    public var columns: Int
    public var rowLabels: [String]
    /// The column under the cursor (drawn with markers above and below), or nil.
    public var highlightedColumn: Int?

    public init(values: [Float], rows: Int, columns: Int, rowLabels: [String], highlightedColumn: Int?) {
        precondition(values.count == rows * columns, "heatmap values must be rows × columns")
        self.values = values
        self.rows = rows
        self.columns = columns
        self.rowLabels = rowLabels
        self.highlightedColumn = highlightedColumn
    }

    /// Where the grid went: its left column, the cells per matrix column, and how many
    /// matrix columns share one cell (when the matrix is wider than the space).
    public struct Placement: Equatable, Sendable {
        public var gridX: Int
        public var cellWidth: Int
        public var columnsPerCell: Int
        public var shownColumns: Int

        /// The matrix column drawn at screen column `x`, if any.
        public func column(atX x: Int) -> Int? {
            guard x >= gridX else { return nil }
            let cell = (x - gridX) / cellWidth
            let c = cell * columnsPerCell
            return c < shownColumns ? c : nil
        }
    }

    /// Draws the grid in `rect` (the legend takes its last row); returns the placement.
    @discardableResult
    public func draw(on canvas: Canvas, in rect: Rect, theme: Theme) -> Placement? {
        guard rows > 0, columns > 0, rect.height >= 3, rect.width >= 12 else { return nil }
        let labelW = min(max(6, rowLabels.map { DisplayWidth.of($0) }.max() ?? 0), rect.width / 4)
        let gridW = rect.width - labelW - 1
        let perCell = max(1, (columns + gridW - 1) / gridW)
        let cellsNeeded = (columns + perCell - 1) / perCell
        let cellWidth = max(1, min(3, gridW / cellsNeeded))
        let p = Placement(gridX: rect.x + labelW + 1, cellWidth: cellWidth, columnsPerCell: perCell, shownColumns: columns)
        let peak = max(1e-9, values.max() ?? 0)
        let gridRows = min(rows, rect.height - 2)  // one row for column markers, one for the legend
        let hc = highlightedColumn.map { $0 / perCell }
        if let hc = hc {
            let mx = p.gridX + hc * cellWidth
            canvas.put(theme.ascii ? "v" : "▼", x: mx, y: rect.y, style: theme.style(.accent), maxWidth: cellWidth)
        }
        for r in 0..<gridRows {
            let y = rect.y + 1 + r
            let label = r < rowLabels.count ? rowLabels[r] : ""
            canvas.putPadded(label, x: rect.x, y: y, width: labelW, style: theme.style(.muted), alignRight: true, ellipsis: theme.glyphs.ellipsis)
            for cell in 0..<cellsNeeded {
                var sum: Float = 0
                var n: Float = 0
                for c in (cell * perCell)..<min(columns, (cell + 1) * perCell) { sum += values[r * columns + c]; n += 1 }
                var (ch, style) = theme.heat(Double(sum / max(1, n) / peak))
                if cell == hc && ch == " " && theme.mode == .monochrome { ch = "|" }
                if cell == hc && theme.mode == .monochrome { style.bold = true }
                canvas.put(String(repeating: ch, count: cellWidth), x: p.gridX + cell * cellWidth, y: y, style: style, maxWidth: cellWidth)
            }
        }
        drawLegend(on: canvas, x: p.gridX, y: rect.y + 1 + gridRows, width: gridW, peak: Double(peak), theme: theme)
        return p
    }

    private func drawLegend(on canvas: Canvas, x: Int, y: Int, width: Int, peak: Double, theme: Theme) {
        let steps = 10
        var cx = x
        cx += canvas.put("0 ", x: cx, y: y, style: theme.style(.muted), maxWidth: width)
        for i in 0...steps {
            let (ch, style) = theme.heat(Double(i) / Double(steps))
            cx += canvas.put(String(ch), x: cx, y: y, style: style, maxWidth: x + width - cx)
        }
        canvas.put(" \(formatWeight(peak)) (max weight)", x: cx, y: y, style: theme.style(.muted), maxWidth: max(0, x + width - cx))
    }
}

func formatWeight(_ v: Double) -> String {
    let s = String(Int((v * 1000).rounded()))
    let padded = String(repeating: "0", count: max(0, 4 - s.count)) + s
    return padded.dropLast(3) + "." + padded.suffix(3)
}
