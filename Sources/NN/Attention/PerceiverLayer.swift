import Tensor

/// One layer of a `PerceiverResampler` (Flamingo's PerceiverAttention + feed-forward):
///
///   l   = normLatents(latents)
///   kv  = concat([l, normInputs(inputs)], axis: 1)        (B, L + M, d)
///   latents = latents + attn(l, kv)                        keys past L + length_b masked
///   latents = latents + mlp(mlpNorm(latents))              GELU MLP, hidden `ffHidden`
///
/// The latents come first in kv so that padding of the inputs is a suffix (a key length per
/// batch entry); attention does not depend on the order of its keys.
/// Names: "norm_inputs", "norm_latents", "attn.{wq,wk,wv,wo}", "mlp_norm", "mlp.{fc,proj}".
public final class PerceiverLayer: Module {
    public let normInputs: LayerNorm
    public let normLatents: LayerNorm
    public let attn: MultiHeadAttention
    public let mlpNorm: LayerNorm
    public let mlp: GELUMLP

    public init(dim: Int, heads: Int, ffHidden: Int, std: Float = 0.02, residualStd: Float = 0.02,
                generator: inout SeededGenerator) {
        normInputs = LayerNorm(dim)
        normLatents = LayerNorm(dim)
        attn = MultiHeadAttention(dModel: dim, heads: heads, bias: false, rotaryBase: nil,
                                  std: std, outputStd: residualStd, generator: &generator)
        mlpNorm = LayerNorm(dim)
        mlp = GELUMLP(dim: dim, hidden: ffHidden, bias: false, std: std, residualStd: residualStd, generator: &generator)
    }

    /// latents (B, L, d), inputs (B, M, d) → latents (B, L, d).
    public func callAsFunction(latents: Tensor, inputs: Tensor, inputLengths: [Int]? = nil) -> Tensor {
        let l = normLatents(latents)
        let kv = Tensor.concat([l, normInputs(inputs)], axis: 1)  // (B, L + M, d)
        let keyLengths = inputLengths.map { lengths in lengths.map { $0 + latents.shape[1] } }
        let attended = latents + attn(l, context: kv, keyLengths: keyLengths)
        return attended + mlp(mlpNorm(attended))
    }

    public func parameters() -> [(String, Tensor)] {
        normInputs.parameters(prefix: "norm_inputs") + normLatents.parameters(prefix: "norm_latents")
            + attn.parameters(prefix: "attn") + mlpNorm.parameters(prefix: "mlp_norm") + mlp.parameters(prefix: "mlp")
    }
}
