/// Token roles a vocabulary assigns by id (GGUF `tokenizer.ggml.bos_token_id` and the like)
/// rather than by a fixed text such as userllm's own "<|eos|>".
public struct SpecialTokenIDs: Equatable, Sendable {
    /// Start of a sequence; GGUF files say separately whether it is added (SmolLM2: not).
    public var bos: Int32?
    /// End of a sequence: generation stops here.
    public var eos: Int32?
    /// Stands for bytes with no token; byte-level vocabularies never need it to encode.
    public var unknown: Int32?
    /// Fills batches; masked out of losses.
    public var pad: Int32?

    public init(bos: Int32? = nil, eos: Int32? = nil, unknown: Int32? = nil, pad: Int32? = nil) {
        self.bos = bos
        self.eos = eos
        self.unknown = unknown
        self.pad = pad
    }
}
