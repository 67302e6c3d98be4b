import Tensor

/// A batch of users as the LLM sees them: the projected user embeddings (B, L, d_model) and
/// the real rows per batch entry (nil: all L rows are real, as after a Perceiver). For
/// `soft` they are the LanguageModel's `prefix`/`prefixLengths`, for `xattn` its
/// `user`/`userLengths`.
public struct UserContext {
    public var mode: FusionMode
    /// (B, L, d_model)
    public var embeddings: Tensor
    public var lengths: [Int]?

    public init(mode: FusionMode, embeddings: Tensor, lengths: [Int]?) {
        self.mode = mode
        self.embeddings = embeddings
        self.lengths = lengths
    }

    public var prefix: Tensor? { mode == .soft ? embeddings : nil }
    public var prefixLengths: [Int]? { mode == .soft ? lengths : nil }
    public var user: Tensor? { mode == .xattn ? embeddings : nil }
    public var userLengths: [Int]? { mode == .xattn ? lengths : nil }

    /// Each batch entry repeated `count` times in a row (b0 b0 b0 b1 b1 b1 …): one row per
    /// beam. No tape.
    public func repeated(_ count: Int) -> UserContext {
        let b = embeddings.shape[0], l = embeddings.shape[1], d = embeddings.shape[2]
        let out = Tensor.empty([b * count, l, d])
        for i in 0..<b {
            for r in 0..<count {
                (out.pointer + (i * count + r) * l * d).update(from: embeddings.pointer + i * l * d, count: l * d)
            }
        }
        return UserContext(mode: mode, embeddings: out, lengths: lengths.map { ls in ls.flatMap { Array(repeating: $0, count: count) } })
    }
}
