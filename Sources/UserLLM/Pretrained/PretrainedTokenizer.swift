import NN
import Timelines

/// The tokenizer and chat template stored in a GGUF file's `tokenizer.*` metadata, built
/// with the tokenizer layer's `BPETokenizer(vocabulary:)` and `ChatTemplate(jinja:)` (which
/// check everything and name the key at fault).
public enum PretrainedTokenizer {
    /// The byte-level BPE tokenizer (`tokenizer.ggml.model` must be "gpt2").
    public static func load(_ file: GGUFFile) throws -> BPETokenizer {
        let kind = try file.requireString("tokenizer.ggml.model")
        guard kind == "gpt2" else {
            throw PretrainedLLMError(file: file.url.path, item: "tokenizer.ggml.model",
                                     reason: "tokenizer '\(kind)' is not supported (only gpt2 byte-level BPE)")
        }
        func optionalInt(_ key: String) -> Int? { file.metadata[key]?.int }
        let vocabulary = ByteLevelVocabulary(
            tokens: try file.requireStringArray("tokenizer.ggml.tokens"),
            tokenTypes: file.metadata["tokenizer.ggml.token_type"] == nil ? [] : try file.requireIntArray("tokenizer.ggml.token_type"),
            merges: try file.requireStringArray("tokenizer.ggml.merges"),
            preTokenizer: file.metadata["tokenizer.ggml.pre"]?.string ?? "gpt-2",
            bos: optionalInt("tokenizer.ggml.bos_token_id"), eos: optionalInt("tokenizer.ggml.eos_token_id"),
            unknown: optionalInt("tokenizer.ggml.unknown_token_id"), pad: optionalInt("tokenizer.ggml.padding_token_id"),
            source: file.url.path)
        return try BPETokenizer(vocabulary: vocabulary)
    }

    /// The file's ChatML template (`tokenizer.chat_template`).
    public static func chatTemplate(_ file: GGUFFile) throws -> ChatTemplate {
        try ChatTemplate(jinja: try file.requireString("tokenizer.chat_template"), source: file.url.path)
    }
}
