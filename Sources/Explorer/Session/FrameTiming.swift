/// How long one input took to reach the screen (for `--trace` and the benchmarks).
public struct FrameTiming: Sendable {
    /// Inputs handled in this frame (pending key repeats are coalesced into one frame).
    public var inputs: Int
    /// Seconds from reading the first input to the end of `present()`.
    public var seconds: Double
    /// Seconds spent in state updates, drawing and presenting.
    public var update: Double
    public var draw: Double
    public var present: Double
}
