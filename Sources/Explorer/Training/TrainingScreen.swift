import Foundation

/// The first-run screen (DESIGN §6): stages with their state, the current stage's step,
/// a loss sparkline, tokens/s and ETA — drawn onto any Canvas, so a snapshot test sees
/// what the terminal shows.
public struct TrainingScreen {
    public var theme: Theme

    public init(theme: Theme) { self.theme = theme }

    /// `background`: the run trains while the explorer stays usable (the screen is an
    /// overlay `t` opens); otherwise the first run's screen before the explorer opens.
    public func draw(_ s: TrainingStatus, tick: Int, on canvas: Canvas, background: Bool = false) {
        canvas.clear()
        let w = canvas.width, h = canvas.height
        guard w >= 40, h >= 12 else {
            canvas.put("Terminal too small for the training screen", x: 0, y: 0, style: theme.style(.warning), maxWidth: w)
            return
        }
        let frame = Rect(x: 0, y: 0, width: w, height: h - 1)
        Frame(title: s.title, focused: true).draw(on: canvas, in: frame, theme: theme)
        let inner = frame.inset(1)
        let x = inner.x + 1, width = inner.width - 2
        var y = inner.y
        let intro = background ? "Training in the background; each model answers in the explorer as soon as it is trained."
                               : "No trained run yet: training one now, then the explorer opens."
        canvas.put(intro, x: x, y: y, style: theme.style(.normal), maxWidth: width)
        y += 1
        if !s.runPath.isEmpty {
            canvas.put("run: \(s.runPath)", x: x, y: y, style: theme.style(.muted), maxWidth: width)
            y += 1
        }
        y += 1
        canvas.put("stages \(s.stagesDone)/\(s.stages.count)", x: x, y: y, style: theme.style(.header), maxWidth: width)
        y += 1
        let g = theme.glyphs
        for stage in s.stages where y < inner.maxY - 7 {
            let (mark, role): (String, Role)
            switch stage.state {
            case .done: (mark, role) = (g.hit, .hit)
            case .skipped: (mark, role) = (g.hit, .muted)
            case .running: (mark, role) = (Spinner.frame(tick, glyphs: g), .accent)
            case .pending: (mark, role) = ("·", .muted)
            }
            let suffix = stage.state == .skipped ? "  (already trained)" : ""
            canvas.put("\(mark) \(stage.name)\(suffix)", x: x + 1, y: y, style: theme.style(role), maxWidth: width - 1)
            y += 1
        }
        y += 1
        if let cur = s.current {
            let barW = max(10, min(40, width - 30))
            let pct = Int((s.stageFraction * 100).rounded(.down))
            canvas.put("\(cur)  step \(s.step)/\(s.totalSteps)  \(ProgressBar.render(s.stageFraction, width: barW, glyphs: g)) \(pct)%",
                       x: x, y: y, style: theme.style(.accent), maxWidth: width)
            y += 1
            let last = s.losses.last.map { Format.fixed($0, 3) } ?? "–"
            let val = s.validationLoss.map { "  ·  validation \(Format.fixed($0, 3))" } ?? ""
            canvas.put("loss \(last)\(val)", x: x, y: y, style: theme.style(.normal), maxWidth: width)
            y += 1
            canvas.put(Sparkline.render(s.losses, width: width, glyphs: g), x: x, y: y, style: theme.style(.bar), maxWidth: width)
            y += 1
            let perStep = s.secondsPerStep > 0 ? "\(Format.fixed(s.secondsPerStep, 2)) s/step  ·  " : ""
            var pace = "\(perStep)\(Format.grouped(Int(s.tokensPerSecond.rounded()))) tokens/s  ·  stage ETA \(Self.duration(s.stageETA))"
            if let total = s.totalETA { pace += "  ·  run ETA \(Self.duration(total))" }
            canvas.put(pace, x: x, y: y, style: theme.style(.muted), maxWidth: width)
            y += 1
        }
        if !s.note.isEmpty, y < inner.maxY {
            canvas.put(s.note, x: x, y: min(y + 1, inner.maxY - 1), style: theme.style(.muted), maxWidth: width)
        }
        let hints: [(key: String, label: String)] = background
            ? [("any key", "back to the explorer"), ("q", "quit (checkpoint saved; next launch resumes)")]
            : [("Ctrl-C", "stop (checkpoint saved; run again to resume)")]
        StatusBar(hints: hints, message: background ? "background training" : "first run")
            .draw(on: canvas, y: h - 1, width: w, theme: theme)
    }

    /// The overlay with no job: the run is trained (or training was not started).
    public func drawIdle(on canvas: Canvas) {
        canvas.clear()
        canvas.put("No training in the background: this run is trained. Any key returns.", x: 1, y: 1, style: theme.style(.muted), maxWidth: canvas.width - 2)
    }

    /// "1 h 02 m", "3 m 10 s", "42 s".
    public static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "–" }
        let s = Int(seconds.rounded())
        if s >= 3600 { return "\(s / 3600) h \(String(format: "%02d", (s % 3600) / 60)) m" }
        if s >= 60 { return "\(s / 60) m \(String(format: "%02d", s % 60)) s" }
        return "\(s) s"
    }
}
