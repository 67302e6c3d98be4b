import Tensor

/// The Llama feed-forward (Shazeer 2020): w2(silu(w1·x) ⊙ w3·x), no biases.
/// Names as in Meta's Llama: w1 the gate (hidden, dim), w3 the up projection (hidden, dim),
/// w2 the down projection (dim, hidden), initialised with `residualStd`.
public final class SwiGLUMLP: Layer {
    /// `var` so that LoRA adapters can replace them (`addLoRA`).
    public private(set) var w1: Linear
    public private(set) var w2: Linear
    public private(set) var w3: Linear

    public init(dim: Int, hidden: Int, std: Float = 0.02, residualStd: Float = 0.02,
                generator: inout SeededGenerator) {
        w1 = Linear(dim, hidden, bias: false, std: std, generator: &generator)
        w3 = Linear(dim, hidden, bias: false, std: std, generator: &generator)
        w2 = Linear(hidden, dim, bias: false, std: residualStd, generator: &generator)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { w2(w1(x).silu() * w3(x)) }

    /// Wraps the named projections ("w1", "w2", "w3") in LoRA adapters; the wrapped weights
    /// are frozen. Projections already wrapped are left alone.
    public func addLoRA(rank: Int, alpha: Float, targets: Set<String>, generator: inout SeededGenerator) {
        func wrap(_ layer: Linear) -> Linear {
            layer is LoRALinear ? layer : LoRALinear(wrapping: layer, rank: rank, alpha: alpha, generator: &generator)
        }
        if targets.contains("w1") { w1 = wrap(w1) }
        if targets.contains("w2") { w2 = wrap(w2) }
        if targets.contains("w3") { w3 = wrap(w3) }
    }

    public func parameters() -> [(String, Tensor)] {
        w1.parameters(prefix: "w1") + w2.parameters(prefix: "w2") + w3.parameters(prefix: "w3")
    }
}
