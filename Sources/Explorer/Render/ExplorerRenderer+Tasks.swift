extension ExplorerRenderer {
    /// Which datasets can run the review task, said where a dataset cannot.
    static let reviewDatasetsNote = "The review task needs review text: Amazon Review Data (e.g. amazon-gift-cards, amazon-fashion) and Google Local reviews have it."

    func drawTasks(_ state: ExplorerState, query: TaskQuery?, runner: RunnerSnapshot, tick: Int, in r: Rect, on canvas: Canvas) -> [(ExplorerTask, Rect)] {
        Frame(title: "Tasks", focused: state.focus == .detail).draw(on: canvas, in: r, theme: theme)
        let inner = r.inset(1)
        guard inner.height >= 3 else { return [] }
        let domain = data.dataset.domain
        let tabs = ExplorerTask.allCases.enumerated().map { "\($0.offset + 1) \($0.element.title(for: domain))" }
        let rects = Tabs(labels: tabs, active: ExplorerTask.allCases.firstIndex(of: state.task)!)
            .draw(on: canvas, x: inner.x, y: inner.y, maxWidth: inner.width, theme: theme)
        let body = Rect(x: inner.x, y: inner.y + 2, width: inner.width, height: inner.height - 2)
        let tabHits = Array(zip(ExplorerTask.allCases, rects))
        guard let q = query else {
            canvas.put("Select a user with at least two events.", x: body.x, y: inner.y + 1, style: theme.style(.muted), maxWidth: body.width)
            return tabHits
        }
        canvas.put(queryLine(q), x: inner.x, y: inner.y + 1, style: theme.style(.muted), maxWidth: inner.width)
        if state.task == .review && !data.dataset.hasReviewText {
            message("\(data.dataset.name) has no review text. " + ExplorerRenderer.reviewDatasetsNote, role: .warning, in: body, on: canvas)
            return tabHits
        }
        switch runner.availability {
        case .unavailable(let why): message(why, role: .warning, in: body, on: canvas)
        case .failed(let why): message(why, role: .error, in: body, on: canvas)
        case .opening: message("\(Spinner.frame(tick, glyphs: theme.glyphs)) Opening the run…", role: .accent, in: body, on: canvas)
        case .ready(let info):
            if !info.tasks.contains(state.task) {
                message("Run \(info.runName) was not finetuned for the \(state.task.rawValue) task.", role: .warning, in: body, on: canvas)
            } else if body.width >= 22 * runner.modes.count + 2 && body.height >= q.topK + 6 {
                // Side by side when each column gets ~22 cells (five modes fit the 160-column frame).
                drawModeColumns(q, runner.modes, training: runner.training, tick: tick, in: body, on: canvas)
            } else {
                drawModeTable(q, runner.modes, training: runner.training, tick: tick, in: body, on: canvas)
            }
        }
        return tabHits
    }

    private func queryLine(_ q: TaskQuery) -> String {
        let range = q.history.isEmpty ? "no history" : "history #\(q.cut - q.history.count + 1)–#\(q.cut) (\(q.history.count) events)"
        switch q.task {
        case .review:
            return "\(range) · expected: the user's review of \(data.dataset.items[Int(data.dataset.events[q.target].item)].name)"
        default:
            return "\(range) · expected: \(q.expected)"
        }
    }

    func message(_ text: String, role: Role, in r: Rect, on canvas: Canvas) {
        for (i, line) in Format.wrap(text, width: r.width).prefix(r.height).enumerated() {
            canvas.put(line, x: r.x, y: r.y + i, style: theme.style(role), maxWidth: r.width)
        }
    }

    private func isHit(_ answer: String, _ q: TaskQuery) -> Bool {
        q.task == .favoriteGenre ? answer.lowercased() == q.expected.lowercased() : answer == q.expected
    }

    /// "#3" when the expected answer is ranked, else "–".
    private func rankText(_ r: ModeResult, _ q: TaskQuery) -> String {
        if q.task == .review {
            return r.metrics["ROUGE-L"].map { "R-L " + Format.fixed($0, 2) } ?? ""
        }
        return r.answers.firstIndex { isHit($0.text, q) }.map { "#\($0 + 1)" } ?? "–"
    }

    private func statusText(_ s: JobStatus<ModeResult>, tick: Int, width: Int) -> (String, Role) {
        switch s {
        case .waiting: return ("\(Spinner.frame(tick, glyphs: theme.glyphs)) queued", .muted)
        case .running(let f, let note):
            let bar = f.map { ProgressBar.render($0, width: min(10, max(0, width / 4)), glyphs: theme.glyphs) + " " } ?? ""
            return ("\(Spinner.frame(tick, glyphs: theme.glyphs)) \(bar)\(note.isEmpty ? "running" : note)", .accent)
        case .failed(let why): return ("failed: \(why)", .error)
        case .done: return ("", .normal)
        }
    }

    /// 80-column form: one row per mode.
    private func drawModeTable(_ q: TaskQuery, _ modes: [(mode: ModeDescriptor, status: JobStatus<ModeResult>)], training: [String: ModeTraining],
                               tick: Int, in r: Rect, on canvas: Canvas) {
        // Below 72 columns tokens and FLOPs leave the table (the ratio line keeps them).
        var cols: [(String, Int, Bool)] = [("mode", 12, false), ("rank", 4, true), ("latency", 8, true), ("tokens", 7, true), ("FLOPs", 9, true)]
        if r.width < 72 { cols.removeLast(2) }
        let fixed = cols.map(\.1).reduce(0, +) + cols.count + 1
        let answerW = max(8, r.width - fixed)
        var x = r.x
        func header(_ t: String, _ w: Int, _ right: Bool) {
            canvas.putPadded(t, x: x, y: r.y, width: min(w, r.maxX - x), style: theme.style(.header), alignRight: right)
            x += w + 1
        }
        header(cols[0].0, cols[0].1, false)
        header(q.task == .review ? "generated" : "top answer", answerW, false)
        for c in cols.dropFirst() { header(c.0, c.1, c.2) }
        for (i, m) in modes.prefix(r.height - 2).enumerated() {
            let y = r.y + 1 + i
            x = r.x
            canvas.putPadded(m.mode.title, x: x, y: y, width: cols[0].1, style: theme.style(.accent))
            x += cols[0].1 + 1
            if let t = training[m.mode.id] {
                // The summary, then the loss sparkline in what is left of the row.
                let text = "\(Spinner.frame(tick, glyphs: theme.glyphs)) \(t.summary)"
                let used = canvas.put(text, x: x, y: y, style: theme.style(t.state == .training ? .accent : .muted), maxWidth: r.maxX - x)
                let sparkW = min(16, r.maxX - x - used - 1)
                if sparkW >= 4 && !t.losses.isEmpty {
                    canvas.put(Sparkline.render(t.losses, width: sparkW, glyphs: theme.glyphs), x: x + used + 1, y: y, style: theme.style(.bar), maxWidth: sparkW)
                }
                continue
            }
            guard let res = m.status.value else {
                let (t, role) = statusText(m.status, tick: tick, width: answerW)
                canvas.put(t, x: x, y: y, style: theme.style(role), maxWidth: r.maxX - x)
                continue
            }
            let top = res.answers.first
            let hit = top.map { isHit($0.text, q) } ?? false
            let mark = q.task == .review ? "" : (hit ? theme.glyphs.hit : theme.glyphs.miss) + " "
            canvas.putPadded(mark + (top?.text ?? "(no answer)"), x: x, y: y, width: answerW, style: theme.style(q.task == .review ? .normal : (hit ? .hit : .miss)), ellipsis: theme.glyphs.ellipsis)
            x += answerW + 1
            let values = [rankText(res, q), Format.seconds(res.latency), Format.grouped(res.promptTokens), Format.flops(res.flops)]
            for (j, v) in values.prefix(cols.count - 1).enumerated() {
                canvas.putPadded(v, x: x, y: y, width: min(cols[j + 1].1, r.maxX - x), style: theme.style(.normal), alignRight: true)
                x += cols[j + 1].1 + 1
            }
        }
        drawRatio(modes, y: r.y + 1 + min(modes.count, r.height - 2), in: r, on: canvas)
    }

    /// 160-column form: modes side by side, each with its full top-K.
    private func drawModeColumns(_ q: TaskQuery, _ modes: [(mode: ModeDescriptor, status: JobStatus<ModeResult>)], training: [String: ModeTraining],
                                 tick: Int, in r: Rect, on canvas: Canvas) {
        let n = max(1, modes.count)
        let colW = (r.width - (n - 1) * 2) / n
        // The ratio line goes below the tallest column (a review's text can outgrow top-K rows).
        var bottom = r.y + q.topK + 5
        for (i, m) in modes.enumerated() {
            let x = r.x + i * (colW + 2)
            canvas.putPadded(m.mode.title, x: x, y: r.y, width: colW, style: theme.style(.header))
            if let t = training[m.mode.id] {
                let role: Role = t.state == .training ? .accent : .muted
                var y = r.y + 1
                for line in Format.wrap("\(Spinner.frame(tick, glyphs: theme.glyphs)) \(t.summary)", width: colW).prefix(3) {
                    canvas.put(line, x: x, y: y, style: theme.style(role), maxWidth: colW)
                    y += 1
                }
                if t.totalSteps > 0 {
                    let f = Double(t.step) / Double(t.totalSteps)
                    canvas.put(ProgressBar.render(f, width: max(4, colW - 6), glyphs: theme.glyphs) + " \(Int((f * 100).rounded(.down)))%",
                               x: x, y: y, style: theme.style(role), maxWidth: colW)
                    y += 1
                }
                if !t.losses.isEmpty {
                    canvas.put(Sparkline.render(t.losses, width: colW, glyphs: theme.glyphs), x: x, y: y, style: theme.style(.bar), maxWidth: colW)
                }
                continue
            }
            guard let res = m.status.value else {
                let (t, role) = statusText(m.status, tick: tick, width: colW)
                canvas.put(t, x: x, y: r.y + 1, style: theme.style(role), maxWidth: colW)
                continue
            }
            var y = r.y + 1
            if q.task == .review {
                // Room for the title, four figure lines and the ratio line.
                for line in Format.wrap(res.answers.first?.text ?? "(no text)", width: colW).prefix(max(0, r.height - 7)) {
                    canvas.put(line, x: x, y: y, style: theme.style(.normal), maxWidth: colW)
                    y += 1
                }
            } else {
                for (k, a) in res.answers.prefix(q.topK).enumerated() {
                    let hit = isHit(a.text, q)
                    canvas.putPadded("\(k + 1). \(hit ? theme.glyphs.hit : theme.glyphs.miss) \(a.text)", x: x, y: y, width: colW, style: theme.style(hit ? .hit : .miss), ellipsis: theme.glyphs.ellipsis)
                    y += 1
                }
                y = r.y + 1 + q.topK
            }
            let metrics = res.metrics.keys.sorted().map { "\($0) \(Format.fixed(res.metrics[$0]!, 3))" }.joined(separator: " ")
            for line in ["latency \(Format.seconds(res.latency))", "prompt tokens \(Format.grouped(res.promptTokens))", "FLOPs \(Format.flops(res.flops))", metrics] where !line.isEmpty {
                canvas.put(line, x: x, y: y, style: theme.style(.muted), maxWidth: colW)
                y += 1
            }
            bottom = max(bottom, y)
        }
        drawRatio(modes, y: bottom, in: r, on: canvas)
    }

    /// "TP ÷ Cross-attn: latency 8.1× · tokens 23.4× · FLOPs 19.0×", once both are done.
    private func drawRatio(_ modes: [(mode: ModeDescriptor, status: JobStatus<ModeResult>)], y: Int, in r: Rect, on canvas: Canvas) {
        guard y < r.maxY,
              let tp = modes.first(where: { $0.mode.isTextPrompt }), let tpr = tp.status.value,
              let xa = modes.first(where: { $0.mode.hasCrossAttention && !$0.mode.usesPerceiver }) ?? modes.first(where: { $0.mode.hasCrossAttention }),
              let xar = xa.status.value else { return }
        func ratio(_ a: Double, _ b: Double) -> String { b > 0 ? Format.ratio(a / b, ascii: theme.ascii) : "–" }
        let text = "\(tp.mode.title) ÷ \(xa.mode.title): \(ratio(tpr.latency, xar.latency)) latency · \(ratio(Double(tpr.promptTokens), Double(xar.promptTokens))) tokens · \(ratio(tpr.flops, xar.flops)) FLOPs"
        canvas.put(text, x: r.x, y: y, style: theme.style(.accent), maxWidth: r.width)
    }
}
