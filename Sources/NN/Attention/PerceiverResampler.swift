import Tensor

/// Compresses a variable number of input vectors (a user's event embeddings) to a fixed
/// number of learned latents (Jaegle et al. 2021; Flamingo's resampler):
///
///   x = latents (L, d) broadcast to (B, L, d)
///   for each layer: x = PerceiverLayer(x, inputs)
///   out = norm(x)                                           (B, L, d)
///
/// Names: "latents" (L, d), "layers.{i}.…", "norm".
public final class PerceiverResampler: Module {
    public let dim: Int
    /// (L, d), Normal(0, 0.02²) at init.
    public let latents: Tensor
    public let layers: [PerceiverLayer]
    public let norm: LayerNorm

    /// `ffHidden` defaults to 4·dim (the GPT-2 ratio). Residual projections are initialised
    /// with 0.02/√(2·layers), as nanoGPT does.
    public init(dim: Int, latents count: Int, layers layerCount: Int, heads: Int, ffHidden: Int? = nil,
                generator: inout SeededGenerator) {
        self.dim = dim
        latents = Tensor.randn([count, dim], std: 0.02, generator: &generator, requiresGrad: true)
        let residualStd = 0.02 / Float(2 * max(1, layerCount)).squareRoot()
        var built: [PerceiverLayer] = []
        for _ in 0..<layerCount {
            built.append(PerceiverLayer(dim: dim, heads: heads, ffHidden: ffHidden ?? 4 * dim,
                                        residualStd: residualStd, generator: &generator))
        }
        layers = built
        norm = LayerNorm(dim)
    }

    /// inputs (B, M, d), `inputLengths` real rows per batch entry → (B, L, d).
    public func callAsFunction(_ inputs: Tensor, inputLengths: [Int]? = nil) -> Tensor {
        precondition(inputs.rank == 3 && inputs.shape[2] == dim, "Perceiver wants (B, M, \(dim)), got \(inputs.shape)")
        var x = latents.expanded(to: [inputs.shape[0], latents.shape[0], dim])  // (B, L, d)
        for layer in layers { x = layer(latents: x, inputs: inputs, inputLengths: inputLengths) }
        return norm(x)
    }

    public func parameters() -> [(String, Tensor)] {
        var params = [("latents", latents)]
        for (i, layer) in layers.enumerated() { params += layer.parameters(prefix: "layers.\(i)") }
        return params + norm.parameters(prefix: "norm")
    }
}
