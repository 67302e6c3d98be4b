import Tensor

/// The GPT-2 feed-forward: proj(gelu(fc(x))), gelu in its tanh approximation.
/// Names "fc", "proj". `residualStd` initialises `proj`, which writes into the residual stream.
public final class GELUMLP: Layer {
    public let fc: Linear
    public let proj: Linear

    public init(dim: Int, hidden: Int, bias: Bool = false, std: Float = 0.02, residualStd: Float = 0.02,
                generator: inout SeededGenerator) {
        fc = Linear(dim, hidden, bias: bias, std: std, generator: &generator)
        proj = Linear(hidden, dim, bias: bias, std: residualStd, generator: &generator)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { proj(fc(x).gelu()) }

    public func parameters() -> [(String, Tensor)] { fc.parameters(prefix: "fc") + proj.parameters(prefix: "proj") }
}
