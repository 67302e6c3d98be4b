extension ExplorerRenderer {
    func drawUsers(_ state: ExplorerState, in r: Rect, on canvas: Canvas) {
        let list = data.visibleUsers(filter: state.filter, sort: state.sort)
        let title = state.filter.isEmpty ? "Users (\(Format.grouped(list.count)))" : "Users \(Format.grouped(list.count))/\(Format.grouped(data.summaries.count))"
        Frame(title: title, focused: state.focus == .users).draw(on: canvas, in: r, theme: theme)
        var inner = r.inset(1)
        if state.editingFilter || !state.filter.isEmpty {
            let (top, bottom) = inner.splitTop(inner.height - 1)
            inner = top
            canvas.put("/" + state.filter + (state.editingFilter ? "_" : ""), x: bottom.x, y: bottom.y,
                       style: theme.style(state.editingFilter ? .accent : .muted), maxWidth: bottom.width)
        }
        let wide = inner.width >= 34
        let hasDemographics = data.summaries.contains { !$0.demographics.isEmpty }
        var columns = [TableView.Column("user", width: 5), TableView.Column("ev", width: 4, alignRight: true),
                       TableView.Column("top \(data.dataset.domain.categoryFeature)")]
        if wide && hasDemographics { columns.append(TableView.Column("who")) }
        let sums = data.summaries
        let selectedRow = state.selectedUser.flatMap { list.firstIndex(of: $0) }
        TableView(columns: columns, rowCount: list.count, cursor: selectedRow, offset: state.userOffset,
                  focused: state.focus == .users,
                  cell: { row, col in
                      let s = sums[Int(list[row])]
                      switch col {
                      case 0: return s.rawID
                      case 1: return String(s.eventCount)
                      case 2: return s.topCategory
                      default: return s.demographics.joined(separator: " ")
                      }
                  }).draw(on: canvas, in: inner, theme: theme)
        if list.isEmpty {
            canvas.put("no user matches", x: inner.x + 1, y: inner.y + 1, style: theme.style(.muted), maxWidth: inner.width - 1)
        }
    }

    func drawTimeline(_ state: ExplorerState, in r: Rect, on canvas: Canvas) {
        guard let u = state.selectedUser else {
            Frame(title: "Timeline", focused: state.focus == .timeline).draw(on: canvas, in: r, theme: theme)
            return
        }
        let line = data.timelines[Int(u)]
        let cut = state.cut
        let windowStart = max(0, cut - data.windowSize)
        let title = line.count < 2
            ? "Timeline · user \(data.dataset.users[Int(u)].rawID) · \(line.count) event (too short for a cut)"
            : "Timeline · user \(data.dataset.users[Int(u)].rawID) · \(line.count) events · window #\(windowStart + 1)–#\(cut) \(theme.glyphs.arrowRight) target #\(cut + 1)"
        Frame(title: title, focused: state.focus == .timeline).draw(on: canvas, in: r, theme: theme)
        let inner = r.inset(1)
        let g = theme.glyphs
        var columns = [TableView.Column("#", width: 4, alignRight: true), TableView.Column("date", width: 10),
                       TableView.Column("rating", width: 6), TableView.Column(data.dataset.domain == .movies ? "title" : "item")]
        let showCategories = inner.width >= 64
        if showCategories { columns.append(TableView.Column(data.dataset.domain.categoryFeaturePlural)) }
        let events = data.dataset.events
        let items = data.dataset.items
        var table = TableView(columns: columns, rowCount: line.count, cursor: state.timelineCursor, offset: state.timelineOffset,
                  focused: state.focus == .timeline,
                  cell: { row, col in
                      let e = events[Int(line[row])]
                      switch col {
                      case 0: return String(row + 1)
                      case 1: return Format.date(e.timestamp)
                      case 2: return Format.stars(e.rating, glyphs: g)
                      case 3: return items[Int(e.item)].name
                      default: return items[Int(e.item)].categories.joined(separator: ", ")
                      }
                  },
                  rowRole: { row in
                      if line.count < 2 { return .normal }
                      if row == cut { return .target }
                      if row >= windowStart && row < cut { return .window }
                      return row > cut ? .muted : .normal
                  },
                  marker: { row in row == cut && line.count >= 2 ? g.cutMarker : nil })
        table.showIdleCursor = false
        table.draw(on: canvas, in: inner, theme: theme)
    }
}
