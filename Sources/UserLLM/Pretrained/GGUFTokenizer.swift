import Foundation
import NN
import Timelines

/// The tokenizer of a GGUF model file: the byte-level BPE of `tokenizer.ggml.*`, whether the
/// file wants a BOS token added, and its chat template.
///
/// Only `tokenizer.ggml.model = "gpt2"` (byte-level BPE) with a pre-tokenizer listed in
/// `BPETokenizer.ggufPreTokenizers` is accepted; anything else is a `TokenizerError` naming
/// the file, the key and what was found. Missing or mistyped keys are the reader's
/// `GGUFError`. The chat template is checked when first asked for, so a file whose
/// template is not ChatML still tokenizes plain text.
public struct GGUFTokenizer: Sendable {
    public let tokenizer: BPETokenizer
    /// `tokenizer.ggml.add_bos_token` (llama.cpp's default for these pre-tokenizers: false).
    public let addsBOS: Bool
    /// The raw `tokenizer.chat_template`, nil when the file has none.
    public let chatTemplateSource: String?
    private let file: String

    public init(file gguf: GGUFFile) throws {
        file = gguf.url.path
        let model = try gguf.requireString("tokenizer.ggml.model")
        guard model == "gpt2" else {
            throw TokenizerError(file: file, key: "tokenizer.ggml.model",
                                 reason: "tokenizer model \"\(model)\" is not supported (only \"gpt2\", byte-level BPE)")
        }
        func optionalInt(_ key: String) throws -> Int? {
            gguf.metadata[key] == nil ? nil : try gguf.requireInt(key)
        }
        let vocabulary = ByteLevelVocabulary(
            tokens: try gguf.requireStringArray("tokenizer.ggml.tokens"),
            tokenTypes: gguf.metadata["tokenizer.ggml.token_type"] == nil ? [] : try gguf.requireIntArray("tokenizer.ggml.token_type"),
            merges: try gguf.requireStringArray("tokenizer.ggml.merges"),
            preTokenizer: try gguf.requireString("tokenizer.ggml.pre"),
            bos: try optionalInt("tokenizer.ggml.bos_token_id"),
            eos: try optionalInt("tokenizer.ggml.eos_token_id"),
            unknown: try optionalInt("tokenizer.ggml.unknown_token_id"),
            pad: try optionalInt("tokenizer.ggml.padding_token_id"),
            source: file)
        tokenizer = try BPETokenizer(vocabulary: vocabulary)
        addsBOS = gguf.metadata["tokenizer.ggml.add_bos_token"] == nil ? false : try gguf.requireBool("tokenizer.ggml.add_bos_token")
        if addsBOS && tokenizer.roles.bos == nil {
            throw TokenizerError(file: file, key: "tokenizer.ggml.add_bos_token",
                                 reason: "true, but the file has no tokenizer.ggml.bos_token_id")
        }
        chatTemplateSource = gguf.metadata["tokenizer.chat_template"] == nil ? nil : try gguf.requireString("tokenizer.chat_template")
    }

    /// Token ids of `text`, with BOS first when the file asks for it. `parseSpecial`: control
    /// tokens written in the text (`<|im_end|>`) become their ids; off for text people wrote.
    public func encode(_ text: String, parseSpecial: Bool = true) -> [Int32] {
        let ids = tokenizer.encode(text, allowSpecial: parseSpecial)
        guard addsBOS, let bos = tokenizer.roles.bos else { return ids }
        return [bos] + ids
    }

    /// The file's chat template, checked to be the ChatML shape `ChatTemplate` renders.
    public func chatTemplate() throws -> ChatTemplate {
        guard let source = chatTemplateSource else {
            throw TokenizerError(file: file, key: "tokenizer.chat_template", reason: "missing: the file has no chat template")
        }
        return try ChatTemplate(jinja: source, source: file)
    }

    /// Token ids of a conversation rendered by the file's template (markup parses special
    /// tokens, message contents do not), with BOS first when the file asks for it.
    public func encodeChat(_ messages: [ChatMessage], addGenerationPrompt: Bool = true) throws -> [Int32] {
        let ids = try chatTemplate().encode(messages, with: tokenizer, addGenerationPrompt: addGenerationPrompt)
        guard addsBOS, let bos = tokenizer.roles.bos else { return ids }
        return [bos] + ids
    }
}
