import Foundation

/// The explorer's loop: input → state → backend request → frame. Owns the state and the
/// runner; works on any `Terminal`.
public final class ExplorerSession {
    public private(set) var state: ExplorerState
    public let data: ExplorerData
    public let runner: TaskRunner
    public var renderer: ExplorerRenderer
    public let keymap: Keymap
    /// The runs `B` switches between (nil: no finished run to switch from).
    public private(set) var backbones: BackboneSwitch?
    private var hits = HitMap()
    private var lastVersion = -1
    private let start = DispatchTime.now().uptimeNanoseconds

    public init(data: ExplorerData, runner: TaskRunner, renderer: ExplorerRenderer, state: ExplorerState, keymap: Keymap = .standard,
                backbones: BackboneSwitch? = nil) {
        self.data = data
        self.runner = runner
        self.renderer = renderer
        self.state = state
        self.keymap = keymap
        self.backbones = backbones
        if backbones?.other != nil { self.renderer.namesScratchLLM = true }
        requestCurrent()
    }

    /// Spinner frame from wall time (12 frames a second), so animation speed does not
    /// depend on how often frames are drawn.
    public var tick: Int { Int((DispatchTime.now().uptimeNanoseconds - start) / 83_000_000) }

    /// Applies one input and asks the runner for whatever the new state shows.
    public func handle(_ event: InputEvent) {
        state.apply(event, data: data, keymap: keymap, hits: hits)
        if state.wantsOtherBackbone {
            state.wantsOtherBackbone = false
            switchBackbone()
        }
        requestCurrent()
    }

    /// Opens the run on the other backbone in the runner's background (the panes say
    /// "opening…" until it is ready), or says why there is none.
    private func switchBackbone() {
        guard var runs = backbones, let next = runs.swap() else {
            state.notice = backbones?.missing ?? "no finished run here to switch backbones from"
            return
        }
        backbones = runs
        runner.reopen(next.open)
        renderer.runLabel = next.label
    }

    private func requestCurrent() {
        runner.request(renderer.query(for: state), attention: state.detail == .attention, perceiver: state.attention.perceiver)
    }

    /// Draws the current frame (after taking the runner's news into the state).
    public func draw(on canvas: Canvas) {
        let snap = runner.snapshot(for: renderer.query(for: state))
        lastVersion = runner.version
        state.adopt(snap)
        hits = renderer.render(state, runner: snap, tick: tick, on: canvas)
    }

    /// Runs until `q` or a stop signal; `trace` receives the timing of every input frame.
    public func run(on terminal: Terminal, trace: ((FrameTiming) -> Void)? = nil) {
        if state.width != terminal.width || state.height != terminal.height {
            handle(.resize(width: terminal.width, height: terminal.height))
        }
        draw(on: terminal)
        terminal.present()
        while !state.quit && !terminal.stopRequested {
            let busy = runner.snapshot(for: renderer.query(for: state)).isBusy
            // Spinners animate at ~12 fps while work runs; otherwise wake rarely.
            guard let first = terminal.readInput(timeoutMs: busy ? 80 : 200) else {
                if busy || runner.version != lastVersion {
                    draw(on: terminal)
                    terminal.present()
                }
                continue
            }
            let t0 = DispatchTime.now().uptimeNanoseconds
            handle(first)
            var n = 1
            // Coalesce pending input (held-down keys, pasted filters) into one frame.
            while n < 256, !state.quit, let more = terminal.readInput(timeoutMs: 0) {
                handle(more)
                n += 1
            }
            if state.quit { break }
            let t1 = DispatchTime.now().uptimeNanoseconds
            draw(on: terminal)
            let t2 = DispatchTime.now().uptimeNanoseconds
            terminal.present()
            let t3 = DispatchTime.now().uptimeNanoseconds
            trace?(FrameTiming(inputs: n, seconds: Double(t3 - t0) / 1e9, update: Double(t1 - t0) / 1e9,
                               draw: Double(t2 - t1) / 1e9, present: Double(t3 - t2) / 1e9))
        }
    }
}
