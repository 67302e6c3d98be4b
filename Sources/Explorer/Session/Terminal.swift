/// A screen the explorer's loop can run on: a Canvas plus input. `ExplorerCurses`
/// provides the real one; tests and benchmarks script one in memory.
public protocol Terminal: Canvas {
    /// The next input, waiting at most `timeoutMs` (0: only what is already pending);
    /// nil when nothing arrived.
    func readInput(timeoutMs: Int) -> InputEvent?
    /// Shows what was drawn since the last call.
    func present()
    /// True once a signal (SIGINT, SIGTERM, SIGHUP) asked the program to stop.
    var stopRequested: Bool { get }
}
