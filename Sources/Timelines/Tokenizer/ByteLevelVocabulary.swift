/// A byte-level BPE vocabulary as a GGUF file stores it (`tokenizer.ggml.*`), before it is
/// checked and built into a `BPETokenizer` by `BPETokenizer(vocabulary:)`.
///
/// Kept apart from the GGUF reader so the tokenizer layer does not depend on the
/// checkpoint layer: the caller copies the arrays out of the file, `source` names it in errors.
public struct ByteLevelVocabulary: Sendable {
    /// `tokenizer.ggml.token_type` values (llama.cpp's `llama_token_type`).
    public enum TokenType: Int, Sendable {
        case normal = 1
        /// Matched as an atom in text only when parsing special tokens (like control).
        case unknown = 2
        /// `<|im_start|>` and the like: an atom only when parsing special tokens.
        case control = 3
        /// An atom always, even in user text (llama.cpp and Hugging Face agree on this).
        case userDefined = 4
        /// Never produced, decodes to nothing.
        case unused = 5
        /// SentencePiece-style `<0x0A>`; a byte-level vocabulary has no use for it: decodes to nothing.
        case byte = 6
    }

    /// `tokenizer.ggml.tokens`: each token spelt in GPT-2's byte-level alphabet ("Ġthe"),
    /// control and user-defined tokens as their plain text.
    public var tokens: [String]
    /// `tokenizer.ggml.token_type`, one per token; empty means every token is normal.
    public var tokenTypes: [Int]
    /// `tokenizer.ggml.merges` in rank order, each "left right".
    public var merges: [String]
    /// `tokenizer.ggml.pre`, e.g. "smollm".
    public var preTokenizer: String
    public var bos: Int?
    public var eos: Int?
    public var unknown: Int?
    public var pad: Int?
    /// The file the arrays came from, named in errors.
    public var source: String
    /// More tokens than this is refused: no real vocabulary comes near it, and ids are Int32.
    public var maxTokens = 1 << 24

    public init(tokens: [String], tokenTypes: [Int] = [], merges: [String], preTokenizer: String,
                bos: Int? = nil, eos: Int? = nil, unknown: Int? = nil, pad: Int? = nil, source: String = "<memory>") {
        self.tokens = tokens
        self.tokenTypes = tokenTypes
        self.merges = merges
        self.preTokenizer = preTokenizer
        self.bos = bos
        self.eos = eos
        self.unknown = unknown
        self.pad = pad
        self.source = source
    }
}
