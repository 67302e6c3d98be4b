import Timelines

/// Draws one frame of the explorer from the state, the data and the runner's snapshot.
/// Stateless: the same inputs give the same cells (golden renders rely on it).
public struct ExplorerRenderer {
    public let data: ExplorerData
    public let theme: Theme
    public let keymap: Keymap
    /// How the run was looked for, shown in the title bar ("run: none", "run: small-…").
    public var runLabel: String
    /// The title bar also names a from-scratch LLM (as it names a pretrained one): set
    /// where `B` switches between the two, so the bar always says which is shown.
    public var namesScratchLLM = false

    public init(data: ExplorerData, theme: Theme, keymap: Keymap = .standard, runLabel: String) {
        self.data = data
        self.theme = theme
        self.keymap = keymap
        self.runLabel = runLabel
    }

    /// The query the current state asks about (nil: no user, or too short a history).
    public func query(for state: ExplorerState) -> TaskQuery? {
        guard let u = state.selectedUser else { return nil }
        return data.query(user: u, cut: state.cut, task: state.task)
    }

    /// Draws the whole screen; `tick` animates spinners. Returns where clickable things went.
    @discardableResult
    public func render(_ state: ExplorerState, runner: RunnerSnapshot, tick: Int, on target: Canvas) -> HitMap {
        let canvas: Canvas = theme.ascii ? ASCIICanvas(target) : target
        canvas.clear()
        var hits = HitMap()
        let l = ScreenLayout(width: canvas.width, height: canvas.height, detail: state.detail)
        if l.tooSmall {
            let msg = "Terminal too small: \(canvas.width)x\(canvas.height); userllm-tui needs at least \(ScreenLayout.minimumWidth)x\(ScreenLayout.minimumHeight)."
            for (i, line) in Format.wrap(msg, width: canvas.width).enumerated() {
                canvas.put(line, x: 0, y: i, style: theme.style(.warning))
            }
            return hits
        }
        drawTitle(runner.availability, in: l.titleBar, on: canvas)
        drawUsers(state, in: l.users, on: canvas)
        drawTimeline(state, in: l.timeline, on: canvas)
        let q = query(for: state)
        switch state.detail {
        case .tasks: hits.taskTabs = drawTasks(state, query: q, runner: runner, tick: tick, in: l.detail, on: canvas)
        case .gates: drawGates(state, runner: runner, tick: tick, in: l.detail, on: canvas)
        case .attention:
            if let (p, rows) = drawAttention(state, query: q, runner: runner, tick: tick, in: l.detail, on: canvas) {
                hits.heatmap = p
                hits.heatmapRows = rows
            }
        }
        drawStatus(state, job: runner.job, in: l.statusBar, on: canvas)
        if state.showHelp { drawHelp(state, on: canvas) }
        if state.showTraining {
            if let job = runner.job {
                TrainingScreen(theme: theme).draw(job, tick: tick, on: canvas, background: true)
            } else {
                TrainingScreen(theme: theme).drawIdle(on: canvas)
            }
        }
        return hits
    }

    private func drawTitle(_ availability: BackendAvailability, in r: Rect, on canvas: Canvas) {
        let ds = data.dataset
        let s = theme.style(.title)
        canvas.fill(r, with: " ", style: s)
        var left = " userllm-tui  \(ds.name) · \(Format.grouped(ds.users.count)) users · \(Format.grouped(ds.items.count)) items · \(Format.grouped(ds.events.count)) events"
        var right = "run: \(runLabel) "
        var rw = min(DisplayWidth.of(right), r.width / 3)
        if case .ready(let info) = availability, let backbone = info.backbone ?? (namesScratchLLM ? "from-scratch LLM" : nil) {
            // A pretrained LLM's run says which one, beside the preset (unless the run's
            // name already says it, as the default "<dataset>-smol" does). The dataset's
            // counts give way first, then the run's name: the backbone stays whole.
            let named = runLabel.split(whereSeparator: { $0 == "-" || $0 == " " }).contains { $0 == info.preset }
            let preset = named ? "" : " · preset \(info.preset)"
            let room = max(r.width / 3, r.width - DisplayWidth.of(" userllm-tui  \(ds.name)") - 1)
            // Below ~10 columns of the run's name, the preset goes too (the backbone says most of it).
            var suffix = "\(preset) · \(backbone) "
            if room - DisplayWidth.of("run: \(suffix)") < min(10, DisplayWidth.of(runLabel)) { suffix = " · \(backbone) " }
            rw = min(DisplayWidth.of("run: \(runLabel)\(suffix)"), room)
            let label = DisplayWidth.truncate(runLabel, to: max(1, rw - DisplayWidth.of("run: \(suffix)")), ellipsis: theme.glyphs.ellipsis)
            right = "run: \(label)\(suffix)"
        }
        if DisplayWidth.of(left) > r.width - rw - 1 {
            left = " userllm-tui  \(ds.name) · \(Format.grouped(ds.users.count)) users · \(Format.grouped(ds.events.count)) events"
        }
        if DisplayWidth.of(left) > r.width - rw - 1 && rw > r.width / 3 { left = " userllm-tui  \(ds.name)" }
        canvas.put(left, x: r.x, y: r.y, style: s, maxWidth: r.width - rw - 1)
        canvas.putPadded(right, x: r.maxX - rw, y: r.y, width: rw, style: s, alignRight: true, ellipsis: theme.glyphs.ellipsis)
    }

    private func drawStatus(_ state: ExplorerState, job: TrainingStatus?, in r: Rect, on canvas: Canvas) {
        if let notice = state.notice, !state.editingFilter {
            // It answers the key just pressed: the whole line if it needs it.
            StatusBar(hints: keymap.hints(ascii: theme.ascii), message: notice + " ", messageShare: 1).draw(on: canvas, y: r.y, width: r.width, theme: theme)
            return
        }
        var message: String
        if state.editingFilter {
            message = "filter: \(state.filter)_  (Enter keeps, Esc clears)"
        } else if let u = state.selectedUser {
            let n = data.timelines[Int(u)].count
            message = "user \(data.dataset.users[Int(u)].rawID) · target #\(state.cut + 1)/\(n) · sort: \(state.sort.rawValue)"
        } else {
            message = "no user matches \"\(state.filter)\""
        }
        if state.editingFilter {
            canvas.fill(r, with: " ", style: theme.style(.statusBar))
            canvas.put(" " + message, x: r.x, y: r.y, style: theme.style(.statusBar), maxWidth: r.width)
            return
        }
        var share = 0.5
        if let job, let line = job.statusLine, let u = state.selectedUser {
            // The background job beside the cut (sort order gives way), with more of the
            // line than the hints: it is what changes while the user browses.
            let n = data.timelines[Int(u)].count
            message = "user \(data.dataset.users[Int(u)].rawID) · target #\(state.cut + 1)/\(n) \(theme.ascii ? "|" : "│") \(line) [t]"
            share = 0.7
        }
        message += " "
        StatusBar(hints: keymap.hints(ascii: theme.ascii), message: message, messageShare: share).draw(on: canvas, y: r.y, width: r.width, theme: theme)
    }

    private func drawHelp(_ state: ExplorerState, on canvas: Canvas) {
        let lines = keymap.helpLines(ascii: theme.ascii)
        let keyW = min(20, lines.compactMap { $0.keys.map { DisplayWidth.of($0) } }.max() ?? 0)
        let w = min(canvas.width - 4, max(60, keyW + 64))
        let h = min(canvas.height - 2, lines.count + 3)
        let box = Rect(x: (canvas.width - w) / 2, y: (canvas.height - h) / 2, width: w, height: h)
        Frame(title: "Keys", focused: true).draw(on: canvas, in: box, theme: theme)
        let inner = box.inset(1)
        canvas.fill(inner, with: " ", style: theme.style(.overlay))
        let rows = inner.height - 1  // the last row says how to leave
        let top = min(state.helpScroll, max(0, lines.count - rows))
        for (i, line) in lines[top..<min(lines.count, top + rows)].enumerated() {
            let y = inner.y + i
            if let k = line.keys {
                canvas.putPadded(" " + k, x: inner.x, y: y, width: keyW + 2, style: theme.style(.accent))
                canvas.put(line.text, x: inner.x + keyW + 3, y: y, style: theme.style(.overlay), maxWidth: inner.width - keyW - 4)
            } else {
                canvas.put(" " + line.text, x: inner.x, y: y, style: theme.style(.header), maxWidth: inner.width)
            }
        }
        let more = lines.count > rows ? "↑↓ scroll (\(top + 1)–\(min(lines.count, top + rows)) of \(lines.count)) · " : ""
        canvas.put(" \(more)any other key closes", x: inner.x, y: inner.maxY - 1, style: theme.style(.muted), maxWidth: inner.width)
    }
}
