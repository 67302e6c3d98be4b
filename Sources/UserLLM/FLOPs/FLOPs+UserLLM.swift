import NN

extension FLOPs {
    /// The user encoder over `events` rows: the item embedding (category mean ~1 FLOP per
    /// embedding element per category, the concat free) and its projection, the position
    /// add, the causal blocks, the final LayerNorm.
    public static func userEncoder(_ c: EncoderConfig, batch: Int = 1, events: Int,
                                   categoriesPerEvent: Int = 1) -> FLOPCount {
        let rows = batch * events
        var f = FLOPCount(approximate: rows * c.categoryDim * max(1, categoriesPerEvent))
        f += linear(rows: rows, in: c.itemDim + c.categoryDim + c.ratingDim, out: c.dModel, bias: c.bias)
        f.approximate += rows * c.dModel
        f += transformerStack(c.block, layers: c.layers, batch: batch, events: events)
        return f
    }

    /// Everything that turns one history into what the LLM reads, once per user: encoder,
    /// optional Perceiver (its MLP 4·d_enc, as `UserLLMModel` builds it), projection (with
    /// bias) of the M event rows or L latents. Zero for tp.
    public static func userContext(_ c: UserLLMModelConfig, batch: Int = 1, events: Int,
                                   categoriesPerEvent: Int = 1) -> FLOPCount {
        guard c.mode.usesEncoder else { return .zero }
        var f = userEncoder(c.encoder, batch: batch, events: events, categoriesPerEvent: categoriesPerEvent)
        var rows = events
        if c.perceiver {
            f += perceiver(dim: c.encoder.dModel, latents: c.perceiverLatents, layers: c.perceiverLayers,
                           heads: c.perceiverHeads, batch: batch, inputs: events)
            rows = c.perceiverLatents
        }
        return f + linear(rows: batch * rows, in: c.encoder.dModel, out: c.llm.dModel, bias: true)
    }
}
