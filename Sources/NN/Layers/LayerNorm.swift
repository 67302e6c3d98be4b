import Tensor

/// LayerNorm over the last axis (weight 1, bias 0 at init), as `nn.LayerNorm`.
public final class LayerNorm: Layer {
    public let dim: Int
    /// 1e-5: PyTorch's default, so a mirror needs no extra argument.
    public let eps: Float
    public let weight: Tensor
    public let bias: Tensor?

    public init(_ dim: Int, eps: Float = 1e-5, bias: Bool = true) {
        self.dim = dim
        self.eps = eps
        weight = Tensor.ones([dim], requiresGrad: true)
        self.bias = bias ? Tensor.zeros([dim], requiresGrad: true) : nil
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { x.layerNorm(weight: weight, bias: bias, eps: eps) }

    public func parameters() -> [(String, Tensor)] {
        var params = [("weight", weight)]
        if let bias { params.append(("bias", bias)) }
        return params
    }
}
