import Foundation
import Tensor

/// A pre-norm transformer block, encoder (GPT-2) or Llama style:
///
///   h   = x + attn(attn_norm(x))                self-attention, causal or not; llama: RoPE
///   h   = xattn(h, context)                     only with crossAttention: h + tanh(α)·…
///   out = h + mlp(mlp_norm(h))                  encoder: GELU MLP; llama: SwiGLU
///
/// Norms: LayerNorm (encoder) or RMSNorm (llama), eps from the config.
/// Init: weights Normal(0, initStd²); the projections writing into the residual stream
/// (attn.wo, mlp.proj / mlp.w2, xattn.attn.wo) Normal(0, (initStd/√(2·layerCount))²) — nanoGPT.
/// Names: "attn_norm", "attn.{wq,wk,wv,wo}", "xattn.{norm,attn,gate}", "mlp_norm",
/// "mlp.{fc,proj}" or "mlp.{w1,w2,w3}".
public final class TransformerBlock: Module {
    public let config: TransformerBlockConfig
    public let attnNorm: Layer
    public let attn: MultiHeadAttention
    public let xattn: GatedCrossAttention?
    public let mlpNorm: Layer
    public let mlp: Layer

    /// `layerCount`: layers in the whole stack, for the residual-projection init.
    public init(config: TransformerBlockConfig, layerCount: Int, generator: inout SeededGenerator) {
        self.config = config
        let d = config.dModel, std = config.initStd
        let residualStd = std / Float(2 * max(1, layerCount)).squareRoot()
        let llama = config.style == .llama
        attnNorm = llama ? RMSNorm(d, eps: config.normEps) : LayerNorm(d, eps: config.normEps, bias: config.bias)
        attn = MultiHeadAttention(dModel: d, heads: config.heads, kvHeads: config.kvHeads, bias: config.bias,
                                  rotaryBase: llama ? config.ropeBase : nil, rotaryStyle: config.ropeStyle,
                                  std: std, outputStd: residualStd, generator: &generator)
        xattn = config.crossAttention
            ? GatedCrossAttention(dModel: d, heads: config.heads, contextDim: config.contextDim, normEps: config.normEps,
                                  std: std, outputStd: residualStd, generator: &generator)
            : nil
        mlpNorm = llama ? RMSNorm(d, eps: config.normEps) : LayerNorm(d, eps: config.normEps, bias: config.bias)
        mlp = llama
            ? SwiGLUMLP(dim: d, hidden: config.mlpHidden, std: std, residualStd: residualStd, generator: &generator)
            : GELUMLP(dim: d, hidden: config.mlpHidden, bias: config.bias, std: std, residualStd: residualStd,
                      generator: &generator)
    }

    /// x (B, T, d) → (B, T, d). `keyLengths`: right padding per batch entry; `keyMask`
    /// (B, Tk), false = padding, for padding elsewhere (see `AttentionMask`). `cache`: decode
    /// incrementally (x holds the new tokens). `context`: the projected cross-attention
    /// context, required exactly when the block has cross-attention.
    public func callAsFunction(_ x: Tensor, causal: Bool, keyLengths: [Int]? = nil, keyMask: [Bool]? = nil,
                               cache: KVCache? = nil, context: CrossAttentionContext? = nil) -> Tensor {
        var h = x + attn(attnNorm(x), causal: causal, keyLengths: keyLengths, keyMask: keyMask, cache: cache)
        if let xattn {
            guard let context else { preconditionFailure("block with cross-attention called without a context") }
            h = xattn(h, context: context)
        }
        return h + mlp(mlpNorm(h))
    }

    public func parameters() -> [(String, Tensor)] {
        var params = attnNorm.parameters(prefix: "attn_norm") + attn.parameters(prefix: "attn")
        if let xattn { params += xattn.parameters(prefix: "xattn") }
        return params + mlpNorm.parameters(prefix: "mlp_norm") + mlp.parameters(prefix: "mlp")
    }
}
