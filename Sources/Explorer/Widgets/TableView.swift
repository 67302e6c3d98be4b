/// A scrollable table with a header row and a cursor row; the users list and the
/// timeline are both tables. Column widths adapt to the space given.
public struct TableView {
    public struct Column {
        public var title: String
        /// Fixed width in columns, or nil to share the remaining width.
        public var width: Int?
        public var alignRight: Bool
        public init(_ title: String, width: Int? = nil, alignRight: Bool = false) {
            self.title = title
            self.width = width
            self.alignRight = alignRight
        }
    }

    public var columns: [Column]
    public var rowCount: Int
    /// The text of one cell.
    public var cell: (_ row: Int, _ column: Int) -> String
    /// The role of a whole row (cursor styling is applied on top by the table).
    public var rowRole: (_ row: Int) -> Role
    /// A one-cell marker drawn left of the row (e.g. the cut marker), or nil.
    public var marker: (_ row: Int) -> String?
    public var cursor: Int?
    public var focused: Bool
    public var offset: Int
    /// Mark the cursor row while unfocused too (the users list); the timeline leaves
    /// it off so the cut and window colours stay visible.
    public var showIdleCursor = true

    public init(columns: [Column], rowCount: Int, cursor: Int?, offset: Int, focused: Bool,
                cell: @escaping (Int, Int) -> String,
                rowRole: @escaping (Int) -> Role = { _ in .normal },
                marker: @escaping (Int) -> String? = { _ in nil }) {
        self.columns = columns
        self.rowCount = rowCount
        self.cursor = cursor
        self.offset = offset
        self.focused = focused
        self.cell = cell
        self.rowRole = rowRole
        self.marker = marker
    }

    /// The scroll offset that keeps `cursor` visible in `visibleRows`, moving as little as possible.
    public static func offset(keeping cursor: Int, visible visibleRows: Int, current: Int, count: Int) -> Int {
        guard visibleRows > 0, count > visibleRows else { return 0 }
        var o = current
        if cursor < o { o = cursor }
        if cursor >= o + visibleRows { o = cursor - visibleRows + 1 }
        return min(max(0, o), count - visibleRows)
    }

    /// Widths of the columns in `width` cells (one-cell marker gutter, one space between columns).
    public func columnWidths(total width: Int) -> [Int] {
        let gaps = max(0, columns.count - 1) + 1
        let fixed = columns.compactMap(\.width).reduce(0, +)
        let flexCount = columns.filter { $0.width == nil }.count
        let rest = max(0, width - gaps - fixed)
        var widths = columns.map { $0.width ?? 0 }
        if flexCount > 0 {
            var extra = rest % flexCount
            for i in widths.indices where columns[i].width == nil {
                widths[i] = rest / flexCount + (extra > 0 ? 1 : 0)
                extra -= 1
            }
        }
        return widths
    }

    /// Draws header and rows; returns the rows shown (for mouse hit-testing).
    @discardableResult
    public func draw(on canvas: Canvas, in rect: Rect, theme: Theme) -> Range<Int> {
        guard rect.height >= 2, rect.width > 2 else { return 0..<0 }
        let widths = columnWidths(total: rect.width)
        let ell = theme.glyphs.ellipsis
        var x = rect.x + 1
        canvas.put(" ", x: rect.x, y: rect.y, style: theme.style(.header), maxWidth: 1)
        for (i, c) in columns.enumerated() {
            canvas.putPadded(c.title, x: x, y: rect.y, width: widths[i], style: theme.style(.header), alignRight: c.alignRight, ellipsis: ell)
            if i < columns.count - 1 { canvas.put(" ", x: x + widths[i], y: rect.y, style: theme.style(.header), maxWidth: 1) }
            x += widths[i] + 1
        }
        let visible = rect.height - 1
        let first = max(0, min(offset, max(0, rowCount - visible)))
        let last = min(rowCount, first + visible)
        for row in first..<max(first, last) {
            let y = rect.y + 1 + row - first
            var role = rowRole(row)
            if row == cursor && (focused || showIdleCursor) { role = focused ? .selected : .selectedIdle }
            let style = theme.style(role)
            canvas.fill(Rect(x: rect.x, y: y, width: rect.width, height: 1), with: " ", style: style)
            if let m = marker(row) { canvas.put(m, x: rect.x, y: y, style: style, maxWidth: 1) }
            var cx = rect.x + 1
            for (i, c) in columns.enumerated() {
                canvas.putPadded(cell(row, i), x: cx, y: y, width: widths[i], style: style, alignRight: c.alignRight, ellipsis: ell)
                cx += widths[i] + 1
            }
        }
        return first..<max(first, last)
    }
}
