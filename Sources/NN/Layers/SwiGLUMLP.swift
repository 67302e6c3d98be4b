import Tensor

/// The Llama feed-forward (Shazeer 2020): w2(silu(w1·x) ⊙ w3·x), no biases.
/// Names as in Meta's Llama: w1 the gate (hidden, dim), w3 the up projection (hidden, dim),
/// w2 the down projection (dim, hidden), initialised with `residualStd`.
public final class SwiGLUMLP: Layer {
    public let w1: Linear
    public let w2: Linear
    public let w3: Linear

    public init(dim: Int, hidden: Int, std: Float = 0.02, residualStd: Float = 0.02,
                generator: inout SeededGenerator) {
        w1 = Linear(dim, hidden, bias: false, std: std, generator: &generator)
        w3 = Linear(dim, hidden, bias: false, std: std, generator: &generator)
        w2 = Linear(hidden, dim, bias: false, std: residualStd, generator: &generator)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { w2(w1(x).silu() * w3(x)) }

    public func parameters() -> [(String, Tensor)] {
        w1.parameters(prefix: "w1") + w2.parameters(prefix: "w2") + w3.parameters(prefix: "w3")
    }
}
