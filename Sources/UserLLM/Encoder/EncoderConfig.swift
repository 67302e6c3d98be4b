import NN

/// The shape of the user encoder (DESIGN §4); saved with a run as JSON. Vocabulary sizes
/// are not part of it: they come from the run's `FeatureVocabularies`.
///
/// Decoding is lenient: a key missing from the JSON takes the default below, so a preset
/// file only lists what it changes.
public struct EncoderConfig: Codable, Equatable, Sendable {
    /// d_enc, the width of every output vector. 128: DESIGN §4 (small and base).
    public var dModel: Int = 128
    public var layers: Int = 2
    public var heads: Int = 4
    /// Feed-forward width: 4·d, GPT-2's ratio.
    public var mlpHidden: Int = 512
    /// Learned positions, so the longest window the encoder can read. 50: the paper's N for
    /// MovieLens (ExampleConfig.windowLength); raise it for longer histories (200, 500).
    public var maxEvents: Int = 50
    /// Item embedding width: d_enc — the item is the feature that carries most signal.
    public var itemDim: Int = 128
    /// Category embedding width: d/4 — MovieLens has 19 genres, a few dims tell them apart.
    public var categoryDim: Int = 32
    /// Rating embedding width: d/8 — five to ten values.
    public var ratingDim: Int = 16
    /// Dropout on the input vectors (item embedding + position) while pretraining. 0.1:
    /// SASRec uses 0.2 on ML-1M; ML-100K windows overfit a 2-layer model within minutes.
    /// Finetuning uses it; pretraining too unless `pretrainingDropout` is set.
    public var dropout: Float = 0.1
    /// Input dropout while pretraining (nil: `dropout`). Pretraining's rates are separate so
    /// that SASRec's heavy 0.5 regularises next-item pretraining without noising the user
    /// embeddings the LLM learns to read while finetuning.
    public var pretrainingDropout: Float? = nil
    /// Dropout on each attention and MLP output before it joins the residual stream, while
    /// pretraining only (SASRec's hidden dropout). 0: the default shape predates it; the
    /// presets set it (base 0.5, SASRec's value, measured best on ML-100K).
    public var residualDropout: Float = 0
    /// Score items with the input item table (logits = h·Eᵀ + b, SASRec's shared item
    /// embedding) instead of a separate head matrix: half the item parameters, and rare
    /// items' output rows learn from every window they appear in as input. Needs
    /// itemDim == dModel. False: the shipped presets predate it.
    public var tiedItemHead: Bool = false
    /// Distance between pretraining window ends; nil = the window length (each training
    /// event a target once per epoch, most with a short context). Smaller strides add
    /// overlapping windows, so more targets are predicted from a long history.
    public var pretrainingStride: Int? = nil
    /// Weight of the category and rating losses against the item loss (1: their plain mean;
    /// 0: the item loss alone, SASRec's objective).
    public var auxiliaryLossWeight: Float = 1
    // Ranges of the dropouts, the stride and the weight, and tiedItemHead's itemDim == dModel,
    // are checked with the rest of a preset (RunConfigValidation), naming the key.
    /// Biases in attention / MLP linears and LayerNorms. False: nanoGPT finds it no worse and faster.
    public var bias: Bool = false
    /// LayerNorm eps. 1e-5: PyTorch's default.
    public var normEps: Float = 1e-5
    /// Std of the Normal init of embeddings and weight matrices. 0.02: GPT-2 / nanoGPT.
    public var initStd: Float = 0.02

    public init(dModel: Int = 128, layers: Int = 2, heads: Int = 4, mlpHidden: Int = 512, maxEvents: Int = 50,
                itemDim: Int = 128, categoryDim: Int = 32, ratingDim: Int = 16, dropout: Float = 0.1,
                pretrainingDropout: Float? = nil, residualDropout: Float = 0, tiedItemHead: Bool = false, pretrainingStride: Int? = nil,
                auxiliaryLossWeight: Float = 1, bias: Bool = false, normEps: Float = 1e-5, initStd: Float = 0.02) {
        self.dModel = dModel
        self.layers = layers
        self.heads = heads
        self.mlpHidden = mlpHidden
        self.maxEvents = maxEvents
        self.itemDim = itemDim
        self.categoryDim = categoryDim
        self.ratingDim = ratingDim
        self.dropout = dropout
        self.pretrainingDropout = pretrainingDropout
        self.residualDropout = residualDropout
        self.tiedItemHead = tiedItemHead
        self.pretrainingStride = pretrainingStride
        self.auxiliaryLossWeight = auxiliaryLossWeight
        self.bias = bias
        self.normEps = normEps
        self.initStd = initStd
    }

    /// Tests: trains in seconds (DESIGN §4: d=32, 1 layer, 2 heads).
    public static let tiny = EncoderConfig(dModel: 32, layers: 1, heads: 2, mlpHidden: 128,
                                           itemDim: 32, categoryDim: 8, ratingDim: 4)
    /// The default demo (DESIGN §4: d=128, 2 layers, 4 heads, ff 512).
    public static let small = EncoderConfig()
    /// Long runs: `small`'s shape trained as SASRec is (tied head, dropout 0.5, item loss
    /// only), as Assets/presets/base.json has it. DESIGN §4 planned 6 layers × 8 heads;
    /// measured, they cost 2.3× per step and ended lower (R@10 0.170 against 0.196).
    public static let base = EncoderConfig(pretrainingDropout: 0.5, residualDropout: 0.5, tiedItemHead: true,
                                           auxiliaryLossWeight: 0)

    /// The per-layer block: GPT-2 style (LayerNorm, GELU MLP), positions learned outside.
    public var block: TransformerBlockConfig {
        TransformerBlockConfig(style: .encoder, dModel: dModel, heads: heads, mlpHidden: mlpHidden, bias: bias,
                               normEps: normEps, initStd: initStd)
    }

    private enum CodingKeys: String, CodingKey {
        case dModel, layers, heads, mlpHidden, maxEvents, itemDim, categoryDim, ratingDim, dropout, pretrainingDropout, residualDropout, tiedItemHead, pretrainingStride,
             auxiliaryLossWeight, bias, normEps, initStd
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = EncoderConfig()
        dModel = try c.decodeIfPresent(Int.self, forKey: .dModel) ?? d.dModel
        layers = try c.decodeIfPresent(Int.self, forKey: .layers) ?? d.layers
        heads = try c.decodeIfPresent(Int.self, forKey: .heads) ?? d.heads
        mlpHidden = try c.decodeIfPresent(Int.self, forKey: .mlpHidden) ?? d.mlpHidden
        maxEvents = try c.decodeIfPresent(Int.self, forKey: .maxEvents) ?? d.maxEvents
        itemDim = try c.decodeIfPresent(Int.self, forKey: .itemDim) ?? d.itemDim
        categoryDim = try c.decodeIfPresent(Int.self, forKey: .categoryDim) ?? d.categoryDim
        ratingDim = try c.decodeIfPresent(Int.self, forKey: .ratingDim) ?? d.ratingDim
        dropout = try c.decodeIfPresent(Float.self, forKey: .dropout) ?? d.dropout
        pretrainingDropout = try c.decodeIfPresent(Float.self, forKey: .pretrainingDropout) ?? d.pretrainingDropout
        residualDropout = try c.decodeIfPresent(Float.self, forKey: .residualDropout) ?? d.residualDropout
        tiedItemHead = try c.decodeIfPresent(Bool.self, forKey: .tiedItemHead) ?? d.tiedItemHead
        pretrainingStride = try c.decodeIfPresent(Int.self, forKey: .pretrainingStride) ?? d.pretrainingStride
        auxiliaryLossWeight = try c.decodeIfPresent(Float.self, forKey: .auxiliaryLossWeight) ?? d.auxiliaryLossWeight
        bias = try c.decodeIfPresent(Bool.self, forKey: .bias) ?? d.bias
        normEps = try c.decodeIfPresent(Float.self, forKey: .normEps) ?? d.normEps
        initStd = try c.decodeIfPresent(Float.self, forKey: .initStd) ?? d.initStd
        guard dModel > 0, layers >= 0, heads > 0, dModel % heads == 0, maxEvents > 0 else {
            throw DecodingError.dataCorrupted(.init(codingPath: c.codingPath,
                debugDescription: "encoder config: dModel \(dModel) must be a positive multiple of heads \(heads); maxEvents \(maxEvents) > 0"))
        }
    }
}
