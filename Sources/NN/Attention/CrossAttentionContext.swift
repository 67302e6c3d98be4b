import Tensor

/// A context's keys and values already projected and split into heads, so that
/// cross-attention to the same context (a user's embeddings) is projected once per sequence
/// and reused by every decoding step. Built by `MultiHeadAttention.context(_:keyLengths:)`.
public struct CrossAttentionContext {
    /// (B, H, M, Dh)
    public let keys: Tensor
    /// (B, H, M, Dh)
    public let values: Tensor
    /// Per batch entry, how many of the M context rows are real (the rest padding).
    public let keyLengths: [Int]?

    public init(keys: Tensor, values: Tensor, keyLengths: [Int]?) {
        self.keys = keys
        self.values = values
        self.keyLengths = keyLengths
    }
}
