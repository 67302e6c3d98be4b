/// Building a tokenizer from the arrays of a GGUF file (`tokenizer.ggml.model = "gpt2"`),
/// so that it encodes exactly as llama.cpp does on the same file:
///
/// - control and unknown tokens are atoms only when parsing special tokens, user-defined
///   tokens always, found longest first (llama.cpp's `tokenizer_st_partition`);
/// - the pre-tokenizer named by `tokenizer.ggml.pre` (see `ggufPreTokenizers`);
/// - merges by rank, lowest first and leftmost on ties; a byte without a token is dropped.
///
/// Everything is checked before use, and a fault is a `TokenizerError` naming the key and
/// index: arrays of different lengths, an empty or duplicate token, a normal token outside
/// the byte-level alphabet, a merge that is not two known tokens or whose result is not a
/// token, a role id outside the vocabulary, an unknown pre-tokenizer, too many tokens.
extension BPETokenizer {
    /// The `tokenizer.ggml.pre` names whose pre-tokenization is implemented, and whether each
    /// isolates every \p{N} scalar before the GPT-2 pattern. From llama.cpp's llama-vocab.cpp:
    /// these names select exactly the regex lists {GPT-2} or {\p{N}, GPT-2}, with no other
    /// switch (ignore_merges, BOS) that changes the ids.
    public static let ggufPreTokenizers: [String: Bool] = [
        "smollm": true, "starcoder": true, "refact": true, "codeshell": true, "command-r": true,
        "exaone": true, "minerva-7b": true,
        "gpt-2": false, "phi-2": false, "mpt": false, "olmo": false, "jais": false,
    ]

    /// Builds and checks the tokenizer of a GGUF vocabulary.
    public convenience init(vocabulary v: ByteLevelVocabulary) throws {
        func fail(_ key: String, _ reason: String) -> TokenizerError {
            TokenizerError(file: v.source, key: key, reason: reason)
        }
        let n = v.tokens.count
        guard n > 0 else { throw fail("tokenizer.ggml.tokens", "the vocabulary is empty") }
        guard n <= v.maxTokens else {
            throw fail("tokenizer.ggml.tokens", "\(n) tokens is more than the \(v.maxTokens) this reader accepts")
        }
        guard let isolateNumbers = Self.ggufPreTokenizers[v.preTokenizer] else {
            let known = Self.ggufPreTokenizers.keys.sorted().joined(separator: ", ")
            throw fail("tokenizer.ggml.pre", "pre-tokenizer \(Self.quoted(v.preTokenizer)) is not supported (supported: \(known))")
        }
        guard v.tokenTypes.isEmpty || v.tokenTypes.count == n else {
            throw fail("tokenizer.ggml.token_type", "\(v.tokenTypes.count) types for \(n) tokens in tokenizer.ggml.tokens")
        }

        var tokenBytes: [[UInt8]] = []
        tokenBytes.reserveCapacity(n)
        var idForSpelling: [[UInt8]: Int32] = [:]
        idForSpelling.reserveCapacity(n)
        var added: [AddedToken] = []
        for (i, token) in v.tokens.enumerated() {
            let key = "tokenizer.ggml.tokens[\(i)]"
            let rawType = v.tokenTypes.isEmpty ? 1 : v.tokenTypes[i]
            guard let type = ByteLevelVocabulary.TokenType(rawValue: rawType) else {
                throw fail("tokenizer.ggml.token_type[\(i)]",
                           "\(rawType) is not a token type (1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte)")
            }
            let utf8 = Array(token.utf8)
            guard !utf8.isEmpty else { throw fail(key, "empty token") }
            if let other = idForSpelling.updateValue(Int32(i), forKey: utf8) {
                throw fail(key, "\(Self.quoted(token)) is already token \(other)")
            }
            switch type {
            case .normal:
                guard let bytes = ByteLevelAlphabet.decodeFast(utf8) else {
                    throw fail(key, "\(Self.quoted(token)) is a normal token but not spelt in GPT-2's byte-level alphabet")
                }
                tokenBytes.append(bytes)
            case .control, .unknown, .userDefined:
                tokenBytes.append(utf8)
                added.append(AddedToken(id: Int32(i), content: token, special: type != .userDefined))
            case .unused, .byte:
                tokenBytes.append([])
            }
        }

        var merges: [(left: Int32, right: Int32, result: Int32)] = []
        merges.reserveCapacity(v.merges.count)
        for (m, merge) in v.merges.enumerated() {
            let key = "tokenizer.ggml.merges[\(m)]"
            let utf8 = Array(merge.utf8)
            // The separator is the first space after the first byte (as llama.cpp splits).
            guard utf8.count >= 3, let space = utf8[1...].firstIndex(of: 0x20), space < utf8.count - 1 else {
                throw fail(key, "\(Self.quoted(merge)) is not two tokens separated by a space")
            }
            let left = Array(utf8[..<space]), right = Array(utf8[(space + 1)...])
            guard let l = idForSpelling[left] else {
                throw fail(key, "token \(Self.quoted(String(decoding: left, as: UTF8.self))) is not in tokenizer.ggml.tokens")
            }
            guard let r = idForSpelling[right] else {
                throw fail(key, "token \(Self.quoted(String(decoding: right, as: UTF8.self))) is not in tokenizer.ggml.tokens")
            }
            guard let result = idForSpelling[left + right] else {
                throw fail(key, "the merged token \(Self.quoted(String(decoding: left + right, as: UTF8.self))) is not in tokenizer.ggml.tokens")
            }
            merges.append((l, r, result))
        }

        func role(_ id: Int?, _ key: String) throws -> Int32? {
            guard let id else { return nil }
            guard id >= 0 && id < n else { throw fail(key, "id \(id) is outside the vocabulary (0..<\(n))") }
            return Int32(id)
        }
        let roles = SpecialTokenIDs(bos: try role(v.bos, "tokenizer.ggml.bos_token_id"),
                                    eos: try role(v.eos, "tokenizer.ggml.eos_token_id"),
                                    unknown: try role(v.unknown, "tokenizer.ggml.unknown_token_id"),
                                    pad: try role(v.pad, "tokenizer.ggml.padding_token_id"))
        var options = Options()
        options.isolateNumbers = isolateNumbers
        options.longestTokenFirst = true
        self.init(tokenBytes: tokenBytes, tokenSpelling: v.tokens.map { Optional($0) }, merges: merges,
                  addedTokens: added, options: options, roles: roles)
    }
}
