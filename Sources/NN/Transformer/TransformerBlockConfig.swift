import Tensor

/// The shape of one pre-norm transformer block; see `TransformerBlock`.
public struct TransformerBlockConfig: Codable, Equatable, Sendable {
    public enum Style: String, Codable, Sendable {
        /// GPT-2 / nanoGPT: LayerNorm, GELU MLP; positions are the caller's (learned).
        case encoder
        /// Llama: RMSNorm, RoPE in self-attention, SwiGLU MLP, no biases.
        case llama
    }

    public var style: Style
    public var dModel: Int
    public var heads: Int
    /// Key/value heads of self-attention (nil: `heads`). Fewer is grouped-query attention
    /// (Llama-2 70B, SmolLM2): a smaller KV cache and fewer key/value weights. Cross-attention
    /// keeps full heads.
    public var kvHeads: Int? = nil
    /// MLP width. Encoder: 4·d (GPT-2). Llama: about 8/3·d so SwiGLU's three matrices cost
    /// what a 4·d GELU MLP's two do (DESIGN §4 uses 3·d = 768 for d = 256).
    public var mlpHidden: Int
    /// Biases in the linear layers (and LayerNorm). False: nanoGPT finds it a bit better and
    /// faster; Llama has none.
    public var bias: Bool = false
    /// 1e-5: PyTorch's LayerNorm default and Llama-2's rms_norm_eps.
    public var normEps: Float = 1e-5
    /// RoPE base (llama style only). 10000: the RoFormer / Llama value.
    public var ropeBase: Float = 10000
    /// Which features RoPE pairs (llama style only). `.half`: our own models; GGUF llama
    /// weights need `.interleaved`.
    public var ropeStyle: RotaryStyle = .half
    /// Adds a `GatedCrossAttention` after self-attention, to a context of width
    /// `contextDim` (USER-LLM's xattn fusion).
    public var crossAttention: Bool = false
    /// Width of the cross-attention context (nil: dModel).
    public var contextDim: Int? = nil
    /// Std of the Normal initialisation of weight matrices. 0.02: GPT-2 / nanoGPT.
    public var initStd: Float = 0.02

    public init(style: Style, dModel: Int, heads: Int, kvHeads: Int? = nil, mlpHidden: Int, bias: Bool = false,
                normEps: Float = 1e-5, ropeBase: Float = 10000, ropeStyle: RotaryStyle = .half,
                crossAttention: Bool = false, contextDim: Int? = nil, initStd: Float = 0.02) {
        self.style = style
        self.dModel = dModel
        self.heads = heads
        self.kvHeads = kvHeads
        self.ropeStyle = ropeStyle
        self.mlpHidden = mlpHidden
        self.bias = bias
        self.normEps = normEps
        self.ropeBase = ropeBase
        self.crossAttention = crossAttention
        self.contextDim = contextDim
        self.initStd = initStd
    }
}
