import Tensor

/// RMSNorm over the last axis (Zhang & Sennrich 2019; Llama): x / √(mean(x²) + eps) · weight,
/// weight 1 at init. Computed in Float32 throughout.
public final class RMSNorm: Layer {
    public let dim: Int
    public let eps: Float
    public let weight: Tensor

    /// eps 1e-5: Llama-2's `rms_norm_eps`.
    public init(_ dim: Int, eps: Float = 1e-5) {
        self.dim = dim
        self.eps = eps
        weight = Tensor.ones([dim], requiresGrad: true)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { x.rmsNorm(weight: weight, eps: eps) }

    public func parameters() -> [(String, Tensor)] { [("weight", weight)] }
}
