/// Pure updates: input in, next state out.
extension ExplorerState {
    /// The first frame's state: the first user in id order (or `user`), cut at the last
    /// event (the leave-last-out test target).
    public static func initial(data: ExplorerData, width: Int, height: Int, user: Int32? = nil, cut: Int? = nil) -> ExplorerState {
        var s = ExplorerState(width: width, height: height)
        let first = user ?? data.visibleUsers(filter: "", sort: .id).first
        if let u = first { s.select(user: u, data: data) }
        if let c = cut { s.setCut(c, data: data) }
        s.reconcile(data: data)
        return s
    }

    /// Rows of the users table on screen (one fewer while a filter line shows).
    public var userRows: Int {
        ScreenLayout.tableRows(layout.users) - ((editingFilter || !filter.isEmpty) ? 1 : 0)
    }

    public var timelineRows: Int { ScreenLayout.tableRows(layout.timeline) }

    public func applying(_ event: InputEvent, data: ExplorerData, keymap: Keymap = .standard, hits: HitMap? = nil) -> ExplorerState {
        var s = self
        s.apply(event, data: data, keymap: keymap, hits: hits)
        return s
    }

    public mutating func apply(_ event: InputEvent, data: ExplorerData, keymap: Keymap = .standard, hits: HitMap? = nil) {
        switch event {
        case .resize(let w, let h):
            width = w
            height = h
        case .mouse(let m):
            applyMouse(m, data: data, hits: hits)
        case .key(let key):
            notice = nil
            if showHelp {
                // ↑↓ scroll the overlay; any other key closes it, as in htop.
                switch key {
                case .down, .char("j"): helpScroll += 1
                case .up, .char("k"): helpScroll = max(0, helpScroll - 1)
                case .pageDown: helpScroll += 10
                case .pageUp: helpScroll = max(0, helpScroll - 10)
                default: showHelp = false; helpScroll = 0
                }
                // The overlay shows height - 5 lines (frame, margins, footer).
                helpScroll = min(helpScroll, max(0, keymap.helpLines(ascii: false).count - (height - 5)))
            } else if showTraining {
                // Like help: q still quits, any other key goes back to the explorer.
                if keymap.action(for: key, in: .global) == .quit { quit = true } else { showTraining = false }
            } else if editingFilter {
                editFilter(key, data: data)
            } else if let action = keymap.action(for: key, in: keyContext) {
                perform(action, data: data)
            }
        }
        reconcile(data: data)
    }

    public mutating func perform(_ action: Action, data: ExplorerData) {
        switch action {
        case .quit: quit = true
        case .toggleHelp:
            showHelp.toggle()
            helpScroll = 0
        case .focusNext: focus = Pane.allCases[(Pane.allCases.firstIndex(of: focus)! + 1) % Pane.allCases.count]
        case .focusPrevious: focus = Pane.allCases[(Pane.allCases.firstIndex(of: focus)! + Pane.allCases.count - 1) % Pane.allCases.count]
        case .moveUp: move(by: -1, data: data)
        case .moveDown: move(by: 1, data: data)
        case .pageUp: move(by: -max(1, focus == .timeline ? timelineRows - 1 : userRows - 1), data: data)
        case .pageDown: move(by: max(1, focus == .timeline ? timelineRows - 1 : userRows - 1), data: data)
        case .first: move(by: Int.min / 2, data: data)
        case .last: move(by: Int.max / 2, data: data)
        case .cutEarlier: setCut(cut - 1, data: data)
        case .cutLater: setCut(cut + 1, data: data)
        case .cutToCursor: setCut(timelineCursor, data: data)
        case .startFilter:
            editingFilter = true
            focus = .users
        case .cycleSort: sort = sort == .id ? .length : .id
        case .showTask(let t):
            task = t
            detail = .tasks
        case .toggleTraining: showTraining.toggle()
        case .switchBackbone: wantsOtherBackbone = true
        case .showGates: detail = detail == .gates ? .tasks : .gates
        case .showAttention: detail = detail == .attention ? .tasks : .attention
        case .layerPrevious: attention.layer = wrap(attention.layer - 1, attentionLayers)
        case .layerNext: attention.layer = wrap(attention.layer + 1, attentionLayers)
        case .headNext:
            // Cycle avg → 0 → 1 → … → last → avg.
            if let h = attention.head { attention.head = h + 1 < attentionHeads ? h + 1 : nil } else if attentionHeads > 0 { attention.head = 0 }
        case .headPrevious:
            if let h = attention.head { attention.head = h > 0 ? h - 1 : nil } else if attentionHeads > 0 { attention.head = attentionHeads - 1 }
        case .columnPrevious: attention.column = max(0, attention.column - 1)
        case .columnNext: attention.column = min(max(0, attentionColumns - 1), attention.column + 1)
        case .toggleLatents: attention.perceiver.toggle()
        case .cancel:
            if !filter.isEmpty {
                filter = ""
                keepSelectionVisible(data: data)
            }
        }
    }

    private func wrap(_ v: Int, _ n: Int) -> Int { n <= 0 ? 0 : ((v % n) + n) % n }

    private mutating func editFilter(_ key: Key, data: ExplorerData) {
        switch key {
        case .enter, .tab, .down, .up: editingFilter = false
        case .escape:
            editingFilter = false
            filter = ""
        case .backspace: if !filter.isEmpty { filter.removeLast() }
        case .char(let c): filter.append(c)
        default: break
        }
        keepSelectionVisible(data: data)
    }

    /// After the filter or sort changed: keep the selected user if it still shows, else take the first.
    private mutating func keepSelectionVisible(data: ExplorerData) {
        let list = data.visibleUsers(filter: filter, sort: sort)
        if let u = selectedUser, list.contains(u) { return }
        if let u = list.first { select(user: u, data: data) } else { selectedUser = nil }
    }

    public mutating func select(user: Int32, data: ExplorerData) {
        guard user != selectedUser else { return }
        selectedUser = user
        let n = data.timelines[Int(user)].count
        cut = max(0, n - 1)
        timelineCursor = cut
        timelineOffset = 0
        attention.column = 0
    }

    /// Moves the cut to `position`, kept where it has at least one event before it.
    public mutating func setCut(_ position: Int, data: ExplorerData) {
        guard let u = selectedUser else { return }
        let n = data.timelines[Int(u)].count
        cut = n < 2 ? max(0, n - 1) : min(n - 1, max(1, position))
        timelineCursor = cut
    }

    private mutating func move(by delta: Int, data: ExplorerData) {
        switch focus {
        case .users:
            let list = data.visibleUsers(filter: filter, sort: sort)
            guard !list.isEmpty else { return }
            let i = selectedUser.flatMap { list.firstIndex(of: $0) } ?? 0
            select(user: list[min(list.count - 1, max(0, i.addingReportingOverflow(delta).partialValue))], data: data)
        case .timeline:
            guard let u = selectedUser else { return }
            let n = data.timelines[Int(u)].count
            timelineCursor = min(max(0, n - 1), max(0, timelineCursor.addingReportingOverflow(delta).partialValue))
        case .detail:
            break
        }
    }

    private mutating func applyMouse(_ m: MouseEvent, data: ExplorerData, hits: HitMap?) {
        let l = layout
        let wheel = m.kind == .wheelUp ? -3 : (m.kind == .wheelDown ? 3 : 0)
        for pane in Pane.allCases where l.rect(of: pane).contains(x: m.x, y: m.y) {
            focus = pane
            if wheel != 0 { move(by: wheel, data: data); return }
            let row = m.y - l.rect(of: pane).y - 2  // frame + header
            switch pane {
            case .users:
                let list = data.visibleUsers(filter: filter, sort: sort)
                let i = userOffset + row
                if row >= 0, row < userRows, i < list.count { select(user: list[i], data: data) }
            case .timeline:
                guard let u = selectedUser else { return }
                let i = timelineOffset + row
                if row >= 0, i < data.timelines[Int(u)].count { timelineCursor = i }
            case .detail:
                if let hits = hits {
                    for (t, r) in hits.taskTabs where r.contains(x: m.x, y: m.y) { perform(.showTask(t), data: data) }
                    if let p = hits.heatmap, m.y >= hits.heatmapRows.lowerBound, m.y < hits.heatmapRows.upperBound,
                       let c = p.column(atX: m.x) { attention.column = c }
                }
            }
        }
    }

    /// Keeps cursors inside their lists and visible on screen.
    public mutating func reconcile(data: ExplorerData) {
        let list = data.visibleUsers(filter: filter, sort: sort)
        if let u = selectedUser, let i = list.firstIndex(of: u) {
            userOffset = TableView.offset(keeping: i, visible: userRows, current: userOffset, count: list.count)
        } else {
            userOffset = 0
        }
        if let u = selectedUser {
            let n = data.timelines[Int(u)].count
            timelineCursor = min(max(0, n - 1), max(0, timelineCursor))
            timelineOffset = TableView.offset(keeping: timelineCursor, visible: timelineRows, current: timelineOffset, count: n)
        }
        if attentionLayers > 0 { attention.layer = min(attention.layer, attentionLayers - 1) }
        if let h = attention.head, h >= attentionHeads { attention.head = nil }
        attention.column = min(attention.column, max(0, attentionColumns - 1))
    }
}

extension ExplorerState {
    /// Takes the run's shape (layers, heads, attention columns) from the runner so the
    /// attention keys wrap and clamp correctly. Call after each snapshot.
    public mutating func adopt(_ snapshot: RunnerSnapshot) {
        if case .ready(let info) = snapshot.availability {
            attentionLayers = info.crossAttentionLayers.count
            attentionHeads = info.crossAttentionHeads
        }
        if case .done(let cap)? = snapshot.attention {
            attentionLayers = cap.layers
            attentionHeads = cap.heads
            attentionColumns = cap.columnCount
        }
        if attentionLayers > 0 { attention.layer = min(attention.layer, attentionLayers - 1) }
        if let h = attention.head, h >= attentionHeads { attention.head = nil }
        attention.column = min(attention.column, max(0, attentionColumns - 1))
    }
}
