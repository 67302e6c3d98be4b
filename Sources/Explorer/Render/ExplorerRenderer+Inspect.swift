extension ExplorerRenderer {
    func drawGates(_ state: ExplorerState, runner: RunnerSnapshot, tick: Int, in r: Rect, on canvas: Canvas) {
        Frame(title: "Gates · tanh(α) per cross-attention layer", focused: state.focus == .detail).draw(on: canvas, in: r, theme: theme)
        let inner = r.inset(1)
        switch runner.availability {
        case .unavailable(let why): message(why, role: .warning, in: inner, on: canvas); return
        case .failed(let why): message(why, role: .error, in: inner, on: canvas); return
        case .opening: message("\(Spinner.frame(tick, glyphs: theme.glyphs)) Opening the run…", role: .accent, in: inner, on: canvas); return
        case .ready: break
        }
        switch runner.gates {
        case .waiting, .running: message("\(Spinner.frame(tick, glyphs: theme.glyphs)) Reading the gates…", role: .accent, in: inner, on: canvas)
        case .failed(let why): message("Could not read the gates: \(why)", role: .error, in: inner, on: canvas)
        case .done(let gates) where gates.isEmpty:
            message("This run has no cross-attention gates (its modes use the history another way).", role: .warning, in: inner, on: canvas)
        case .done(let gates):
            drawGateBars(gates, in: inner, on: canvas)
        }
    }

    /// One bar per gate, labelled with its LLM layer (0, 3, 6, … when every third layer
    /// has cross-attention). Every gate is shown: when they outnumber the rows the caption
    /// goes, then the bars take two columns, and only past that is the rest counted.
    private func drawGateBars(_ gates: [GateReading], in inner: Rect, on canvas: Canvas) {
        let bars = gates.map { g in
            BarChart.Bar(label: "layer \(g.layer)", value: Double(g.tanhAlpha),
                         valueText: "\(signed(Double(g.tanhAlpha))) (α \(signed(Double(g.alpha))))")
        }
        // Half a pane has room for the layer and tanh(α) only.
        let compact = gates.map { g in
            BarChart.Bar(label: "L\(g.layer)", value: Double(g.tanhAlpha), valueText: signed(Double(g.tanhAlpha)))
        }
        var area = inner
        if bars.count <= inner.height - 2 {
            canvas.put("tanh(α) 0: the layer ignores the user embeddings; ±1: fully open",
                       x: inner.x, y: inner.y, style: theme.style(.muted), maxWidth: inner.width)
            area = Rect(x: inner.x, y: inner.y + 2, width: inner.width, height: inner.height - 2)
        }
        guard bars.count > area.height, area.height > 0, area.width >= 40 else {
            BarChart(bars: bars, range: -1...1).draw(on: canvas, in: area, theme: theme)
            return
        }
        let rows = min(area.height, (bars.count + 1) / 2)
        let half = (area.width - 1) / 2
        BarChart(bars: Array(compact.prefix(rows)), range: -1...1)
            .draw(on: canvas, in: Rect(x: area.x, y: area.y, width: half, height: rows), theme: theme)
        var right = Array(compact.dropFirst(rows).prefix(rows))
        let hidden = bars.count - 2 * rows
        if hidden > 0 { right.removeLast() }
        BarChart(bars: right, range: -1...1)
            .draw(on: canvas, in: Rect(x: area.x + half + 1, y: area.y, width: area.width - half - 1, height: rows), theme: theme)
        if hidden > 0 {
            canvas.put("+\(hidden + 1) more layers: enlarge the terminal", x: area.x + half + 1, y: area.y + rows - 1,
                       style: theme.style(.muted), maxWidth: area.width - half - 1)
        }
    }

    private func signed(_ v: Double) -> String { (v >= 0 ? "+" : "") + Format.fixed(v, 3) }

    /// Draws the attention view; returns the heatmap placement and its screen rows.
    func drawAttention(_ state: ExplorerState, query: TaskQuery?, runner: RunnerSnapshot, tick: Int, in r: Rect, on canvas: Canvas) -> (Heatmap.Placement, Range<Int>)? {
        let modeTitle = runner.attentionMode?.title ?? "cross-attention"
        Frame(title: "Attention · \(modeTitle)", focused: state.focus == .detail).draw(on: canvas, in: r, theme: theme)
        let inner = r.inset(1)
        switch runner.availability {
        case .unavailable(let why): message(why, role: .warning, in: inner, on: canvas); return nil
        case .failed(let why): message(why, role: .error, in: inner, on: canvas); return nil
        case .opening: message("\(Spinner.frame(tick, glyphs: theme.glyphs)) Opening the run…", role: .accent, in: inner, on: canvas); return nil
        case .ready: break
        }
        guard let q = query else { message("Select a user with at least two events.", role: .muted, in: inner, on: canvas); return nil }
        guard runner.attentionMode != nil else {
            message("This run has no cross-attention mode, so there are no attention weights to show.", role: .warning, in: inner, on: canvas)
            return nil
        }
        switch runner.attention {
        case nil, .waiting?: message("\(Spinner.frame(tick, glyphs: theme.glyphs)) queued behind the task results…", role: .muted, in: inner, on: canvas); return nil
        case .running(_, let note)?: message("\(Spinner.frame(tick, glyphs: theme.glyphs)) recording attention… \(note)", role: .accent, in: inner, on: canvas); return nil
        case .failed(let why)?: message("Could not record attention: \(why)", role: .error, in: inner, on: canvas); return nil
        case .done(let cap)?:
            return drawCapture(cap, state: state, query: q, in: inner, on: canvas)
        }
    }

    private func drawCapture(_ cap: AttentionCapture, state: ExplorerState, query q: TaskQuery, in inner: Rect, on canvas: Canvas) -> (Heatmap.Placement, Range<Int>)? {
        let layer = min(state.attention.layer, max(0, cap.layers - 1))
        let head = state.attention.head.flatMap { $0 < cap.heads ? $0 : nil }
        let headText = head.map { "head \($0 + 1)/\(cap.heads)" } ?? "mean of \(cap.heads) heads"
        let cols = cap.columns == .events ? "text tokens × history events" : "text tokens × Perceiver latents"
        // The model's own layer index (0, 3, 6, … when every third layer cross-attends),
        // then where it is among the captured ones.
        let layerText = "layer \(cap.layerIndices[layer]) (\(layer + 1)/\(cap.layers))"
        canvas.put("\(layerText) [ ]  ·  \(headText) + -  ·  \(cols)", x: inner.x, y: inner.y, style: theme.style(.accent), maxWidth: inner.width)
        let col = min(state.attention.column, max(0, cap.columnCount - 1))
        var hover = "column \(col + 1): "
        if cap.columns == .events, col < q.history.count {
            let e = data.dataset.events[q.history[col]]
            hover += "event #\(q.cut - q.history.count + col + 1) · \(Format.date(e.timestamp)) · \(data.dataset.items[Int(e.item)].name) \(Format.stars(e.rating, glyphs: theme.glyphs))"
        } else {
            hover += "latent \(col + 1) of \(cap.columnCount)"
        }
        canvas.put(hover + "   (Tab to this pane, ← → to move)", x: inner.x, y: inner.y + 1, style: theme.style(.normal), maxWidth: inner.width)
        // Keep the answer rows: show the last rows that fit, which end with the answer.
        var gridRect = Rect(x: inner.x, y: inner.y + 2, width: inner.width, height: inner.height - 2)
        if let resampler = cap.latentsToEvents, cap.latentHeads > 0, gridRect.height >= 14 {
            // Perceiver runs: the text reads latents, so below it show what each latent read.
            let lower = gridRect.height / 2
            gridRect.height -= lower
            drawLatentsToEvents(resampler, heads: cap.latentHeads, latents: cap.columnCount, history: q.history.count,
                                in: Rect(x: inner.x, y: gridRect.y + gridRect.height, width: inner.width, height: lower), on: canvas)
        }
        let fit = max(1, gridRect.height - 2)
        let first = max(0, cap.rowTokens.count - fit)
        let full = cap.map(layer: layer, head: head)
        let rows = cap.rowTokens.count - first
        let values = Array(full[(first * cap.columnCount)...])
        let labels = cap.rowTokens[first...].enumerated().map { (i, t) in (first + i >= cap.answerStart ? "▸" : " ") + t }
        let hm = Heatmap(values: values, rows: rows, columns: cap.columnCount, rowLabels: labels, highlightedColumn: col)
        guard let p = hm.draw(on: canvas, in: gridRect, theme: theme) else { return nil }
        return (p, (gridRect.y + 1)..<(gridRect.y + 1 + min(rows, gridRect.height - 2)))
    }

    /// The Perceiver's last layer, latents × history events, averaged over its heads.
    private func drawLatentsToEvents(_ weights: [Float], heads: Int, latents: Int, history: Int, in r: Rect, on canvas: Canvas) {
        let events = weights.count / max(1, heads * latents)
        guard events > 0, r.height >= 4 else { return }
        var mean = [Float](repeating: 0, count: latents * events)
        for h in 0..<heads {
            for i in 0..<(latents * events) { mean[i] += weights[h * latents * events + i] / Float(heads) }
        }
        canvas.put("Perceiver latents × history events (last resampler layer, mean of \(heads) heads)",
                   x: r.x, y: r.y, style: theme.style(.accent), maxWidth: r.width)
        let shown = min(latents, max(1, r.height - 3))
        let hm = Heatmap(values: Array(mean[0..<(shown * events)]), rows: shown, columns: events,
                         rowLabels: (0..<shown).map { "latent \($0 + 1)" }, highlightedColumn: nil)
        _ = hm.draw(on: canvas, in: Rect(x: r.x, y: r.y + 1, width: r.width, height: r.height - 1), theme: theme)
    }
}
