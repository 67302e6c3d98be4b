import Foundation
import Tensor

/// Flamingo-style gated cross-attention (Alayrac et al. 2022), as USER-LLM inserts it after
/// each decoder layer's self-attention:
///
///   out = h + tanh(gate) · attn(norm(h), context)
///
/// norm: RMSNorm(dModel) on the queries only — the context (user embeddings, already
/// projected by the caller) enters wk/wv as it is. gate: a (1)-shaped scalar initialised
/// to 0, so a freshly inserted layer is the identity and the pretrained LLM is untouched.
/// At gate = 0 the attention parameters get zero gradient while the gate's is not zero.
/// Names: "norm.weight", "attn.{wq,wk,wv,wo}.weight", "gate".
public final class GatedCrossAttention: Module {
    public let norm: RMSNorm
    public let attn: MultiHeadAttention
    /// (1): α; the residual branch is scaled by tanh(α).
    public let gate: Tensor

    public init(dModel: Int, heads: Int, contextDim: Int? = nil, normEps: Float = 1e-5,
                std: Float = 0.02, outputStd: Float = 0.02, generator: inout SeededGenerator) {
        norm = RMSNorm(dModel, eps: normEps)
        attn = MultiHeadAttention(dModel: dModel, heads: heads, contextDim: contextDim, bias: false,
                                  rotaryBase: nil, std: std, outputStd: outputStd, generator: &generator)
        gate = Tensor.zeros([1], requiresGrad: true)
    }

    /// Projects the context (B, M, contextDim) once per sequence.
    public func context(_ context: Tensor, keyLengths: [Int]? = nil) -> CrossAttentionContext {
        attn.context(context, keyLengths: keyLengths)
    }

    /// h (B, T, dModel) → (B, T, dModel).
    public func callAsFunction(_ h: Tensor, context: CrossAttentionContext) -> Tensor {
        h + gate.tanh() * attn(norm(h), context: context)
    }

    /// tanh(α): how much of the cross-attention reaches the residual stream now.
    public var gateValue: Float { tanhf(gate.pointer[0]) }

    public func parameters() -> [(String, Tensor)] {
        norm.parameters(prefix: "norm") + attn.parameters(prefix: "attn") + [("gate", gate)]
    }
}
