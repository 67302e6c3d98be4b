/// Cross-attention weights recorded during one inference, all layers and heads.
public struct AttentionCapture: Hashable, Sendable {
    public enum Columns: Hashable, Sendable {
        /// Columns are the query's history events, `TaskQuery.history` order.
        case events
        /// Columns are Perceiver latents.
        case latents
    }

    /// `ModeDescriptor.id` of the mode it was recorded in.
    public var mode: String
    /// The text tokens of prompt and answer, as display strings (rows).
    public var rowTokens: [String]
    /// Index in `rowTokens` of the first answer token (prompt tokens come before it).
    public var answerStart: Int
    public var columns: Columns
    public var columnCount: Int
    /// Captured layers (the model's cross-attention layers), in order.
    public var layers: Int
    /// The LLM layer index (0-based) of each captured layer: 0, 1, 2, … when every layer
    /// has cross-attention, 0, 3, 6, … when every third has. Labels use these.
    public var layerIndices: [Int]
    public var heads: Int
    /// Softmax weights, (layers, heads, rows, columns) row-major; each row sums to 1.
    public var weights: [Float]
    /// For Perceiver modes: latents → events weights of the resampler's last layer,
    /// (heads, latents, events) row-major, with its head count; nil otherwise.
    public var latentsToEvents: [Float]?
    public var latentHeads: Int

    public init(mode: String, rowTokens: [String], answerStart: Int, columns: Columns, columnCount: Int,
                layers: Int, layerIndices: [Int]? = nil, heads: Int, weights: [Float], latentsToEvents: [Float]? = nil,
                latentHeads: Int = 0) {
        precondition(weights.count == layers * heads * rowTokens.count * columnCount,
                     "AttentionCapture.weights must be layers × heads × rows × columns")
        precondition(layerIndices.map { $0.count == layers } ?? true, "AttentionCapture.layerIndices must name each of the \(layers) layers")
        self.mode = mode
        self.rowTokens = rowTokens
        self.answerStart = answerStart
        self.columns = columns
        self.columnCount = columnCount
        self.layers = layers
        self.layerIndices = layerIndices ?? Array(0..<layers)
        self.heads = heads
        self.weights = weights
        self.latentsToEvents = latentsToEvents
        self.latentHeads = latentHeads
    }

    /// The (rows × columns) map of one layer: one head, or the mean over heads (nil).
    public func map(layer: Int, head: Int?) -> [Float] {
        let r = rowTokens.count, c = columnCount
        let plane = r * c
        let base = layer * heads * plane
        if let h = head { return Array(weights[(base + h * plane)..<(base + (h + 1) * plane)]) }
        var out = [Float](repeating: 0, count: plane)
        for h in 0..<heads {
            let o = base + h * plane
            for i in 0..<plane { out[i] += weights[o + i] }
        }
        let inv = 1 / Float(max(1, heads))
        for i in 0..<plane { out[i] *= inv }
        return out
    }
}
