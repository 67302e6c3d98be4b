/// The special tokens userllm's own tokenizers carry. Each is matched atomically in text
/// (when `allowSpecial` is on) and never produced by merges.
public enum SpecialToken: String, CaseIterable, Sendable {
    /// Start of a sequence.
    case bos = "<|bos|>"
    /// End of a sequence; generation stops here.
    case eos = "<|eos|>"
    /// Padding in batches; masked out of the loss.
    case pad = "<|pad|>"
    /// Placeholder where a user embedding is spliced in (soft prompt) instead of a word.
    case user = "<|user|>"
    /// Task markers: which question the prompt asks.
    case nextItem = "<|next_item|>"
    case favoriteGenre = "<|favorite_genre|>"
    case review = "<|review|>"
    /// Separates the prompt from the answer, so the loss can cover the answer only.
    case answer = "<|answer|>"
}
