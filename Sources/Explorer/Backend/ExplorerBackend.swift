/// The model side of the explorer, implemented by `UserLLM` for a trained run.
///
/// Calls are synchronous and may take long (TP decoding); the explorer always calls them
/// from its own background queue, one at a time, never from the UI thread, so an
/// implementation may use every core for one call. Each call gets a `JobControl`: check
/// `isCancelled` between steps and throw `CancellationError()` when set; report progress
/// with `report(_:_:)`. Any other thrown error is shown in the task panel as the mode's
/// failure (use a message a user can act on).
public protocol ExplorerBackend: AnyObject, Sendable {
    /// What the run offers. Read once, on the background queue, right after opening.
    var info: BackendInfo { get }

    /// Runs `query.task` in `mode` and returns the ranked answers with measured latency,
    /// prompt tokens and analytic FLOPs. For `.nextItem` / `.favoriteGenre` the answers
    /// come from beam search constrained to valid answers (item names / categories).
    func run(_ query: TaskQuery, mode: ModeDescriptor, control: JobControl) throws -> ModeResult

    /// The cross-attention gates, one per layer that has them, in layer order; empty
    /// when the run has no cross-attention.
    func gates(control: JobControl) throws -> [GateReading]

    /// Runs the inference of `query` in `mode` (a mode with `hasCrossAttention`) while
    /// recording the cross-attention weights of every layer and head.
    func attention(_ query: TaskQuery, mode: ModeDescriptor, control: JobControl) throws -> AttentionCapture

    /// While the run trains in the background: how far `mode`'s model is (nil: ready to
    /// answer). Called from the UI thread on every frame: must be quick and thread-safe.
    func training(_ mode: ModeDescriptor) -> ModeTraining?
}

extension ExplorerBackend {
    /// A finished run: every mode is ready.
    public func training(_ mode: ModeDescriptor) -> ModeTraining? { nil }
}
