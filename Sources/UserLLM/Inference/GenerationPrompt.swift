import Tensor

/// What the language model is asked: prompt tokens, and the user as the fusion mode puts
/// it — a soft-prompt prefix (`soft`) or a cross-attention context (`xattn`); `tp` has only
/// tokens. One user per prompt (batch 1); beams and samples fan out from it.
public struct GenerationPrompt {
    public var tokens: [Int32]
    /// (1, P, d): projected user embeddings placed before the tokens.
    public var prefix: Tensor?
    /// Real rows of `prefix` (the rest padding, never attended); nil: all.
    public var prefixLength: Int?
    /// (1, M, d): the cross-attention context.
    public var user: Tensor?
    /// Real rows of `user`; nil: all.
    public var userLength: Int?

    public init(tokens: [Int32], prefix: Tensor? = nil, prefixLength: Int? = nil, user: Tensor? = nil,
                userLength: Int? = nil) {
        self.tokens = tokens
        self.prefix = prefix
        self.prefixLength = prefixLength
        self.user = user
        self.userLength = userLength
    }

    /// Positions the prompt fills in the decoder: prefix rows + tokens.
    public var positions: Int { tokens.count + (prefix?.shape[1] ?? 0) }
}
