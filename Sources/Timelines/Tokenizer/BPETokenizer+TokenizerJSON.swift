import AtomicIO
import Foundation

/// Reading and writing the Hugging Face `tokenizer.json` format: model `BPE` (vocab +
/// merges, merges either as "a b" strings or as [a, b] pairs), pre-tokenizer and decoder
/// `ByteLevel`, `added_tokens` with their `special` flags.
///
/// What would change the ids and is not implemented is refused with the key and the
/// reason (a normalizer, BPE dropout, subword prefixes, byte fallback, `single_word`
/// added tokens), rather than loaded into a tokenizer that encodes differently. The
/// `post_processor` (e.g. RoBERTa's <s> ... </s> template) is ignored: `encode` returns the
/// text's ids and callers add BOS/EOS themselves.
extension BPETokenizer {
    /// Ids at or beyond this are refused: the tables are indexed by id, so one id of
    /// 2,147,483,646 would allocate 17 GB. 2^21: ten times the largest vocabularies in use
    /// (Gemma's 262,144).
    public static let maximumVocabularySize = 1 << 21
    /// Files beyond this are refused before reading. 256 MiB: real ones are 2–35 MB.
    public static let maximumFileBytes = 256 << 20

    /// Loads a `tokenizer.json`.
    public static func load(from url: URL) throws -> BPETokenizer {
        let data: Data
        do {
            data = try FileBytes.read(url, limit: maximumFileBytes)
        } catch let failure as FileBytes.Failure {
            throw TokenizerError(file: url.path, key: "", reason: failure.reason)
        }
        return try BPETokenizer(tokenizerJSON: data, file: url.path)
    }

    /// Parses `tokenizer.json` bytes; `file` names them in errors.
    public convenience init(tokenizerJSON data: Data, file: String = "<memory>") throws {
        func fail(_ key: String, _ reason: String) -> TokenizerError {
            TokenizerError(file: file, key: key, reason: reason)
        }
        // Real files nest 4 deep; the JSON parser recurses, so a hostile file must not.
        let depth = data.withUnsafeBytes { JSONNesting.depth($0, limit: 64) }
        guard depth <= 64 else { throw fail("", "nested more than 64 levels deep (a tokenizer.json nests about 4)") }
        let root: [String: Any]
        do {
            guard let object = try JSONSerialization.jsonObject(with: FileBytes.droppingUTF8BOM(data)) as? [String: Any] else {
                throw fail("", "the top level is not a JSON object")
            }
            root = object
        } catch let error as TokenizerError {
            throw error
        } catch {
            throw fail("", "not valid JSON (\(Self.jsonErrorText(error)))")
        }

        var options = Options()
        if let normalizer = root["normalizer"], !(normalizer is NSNull) {
            let type = (normalizer as? [String: Any])?["type"] as? String ?? "?"
            throw fail("normalizer", "normalizer \(type) is not supported (only null)")
        }
        if let pre = root["pre_tokenizer"], !(pre is NSNull) {
            guard let pre = pre as? [String: Any], pre["type"] as? String == "ByteLevel" else {
                let type = ((pre as? [String: Any])?["type"] as? String) ?? "?"
                throw fail("pre_tokenizer.type", "pre-tokenizer \(type) is not supported (only ByteLevel)")
            }
            options.addPrefixSpace = try Self.bool(pre, "add_prefix_space", default: false, at: "pre_tokenizer", fail)
            options.useRegex = try Self.bool(pre, "use_regex", default: true, at: "pre_tokenizer", fail)
        } else {
            throw fail("pre_tokenizer", "missing: a byte-level BPE needs the ByteLevel pre-tokenizer")
        }
        if let decoder = root["decoder"], !(decoder is NSNull),
           (decoder as? [String: Any])?["type"] as? String != "ByteLevel" {
            let type = ((decoder as? [String: Any])?["type"] as? String) ?? "?"
            throw fail("decoder.type", "decoder \(type) is not supported (only ByteLevel)")
        }

        guard let model = root["model"] as? [String: Any] else {
            throw fail("model", root["model"] == nil ? "missing" : "not a JSON object")
        }
        if let type = model["type"], type as? String != "BPE" {
            throw fail("model.type", "model type \(type) is not supported (only BPE)")
        }
        if let dropout = model["dropout"], !(dropout is NSNull), (dropout as? Double ?? 1) != 0 {
            throw fail("model.dropout", "BPE dropout makes encoding random; only null is supported")
        }
        for key in ["continuing_subword_prefix", "end_of_word_suffix"] {
            if let value = model[key], !(value is NSNull), (value as? String ?? "?") != "" {
                throw fail("model.\(key)", "\(value) is not supported in a byte-level BPE (only null)")
            }
        }
        if try Self.bool(model, "byte_fallback", default: false, at: "model", fail) {
            throw fail("model.byte_fallback", "true is not supported (byte-level BPE needs no fallback)")
        }
        options.ignoreMerges = try Self.bool(model, "ignore_merges", default: false, at: "model", fail)

        // Vocabulary: spelling → id.
        guard let vocab = model["vocab"] as? [String: Any] else {
            throw fail("model.vocab", model["vocab"] == nil ? "missing" : "not a JSON object of token → id")
        }
        var spellingForID: [Int: String] = [:]
        for (token, value) in vocab {
            guard let id = value as? Int, id >= 0 else {
                throw fail("model.vocab[\(Self.quoted(Self.cut(token)))]", "id \(Excerpt.visible("\(value)")) is not a non-negative integer")
            }
            guard id < Self.maximumVocabularySize else {
                throw fail("model.vocab[\(Self.quoted(Self.cut(token)))]", "id \(id) is out of range 0..<\(Self.maximumVocabularySize)")
            }
            if let other = spellingForID[id] {
                throw fail("model.vocab", "id \(id) is given to both \(Self.quoted(other)) and \(Self.quoted(token))")
            }
            spellingForID[id] = token
        }

        // Added tokens.
        var added: [AddedToken] = []
        let addedJSON = root["added_tokens"] ?? []
        guard let addedList = addedJSON as? [Any] else { throw fail("added_tokens", "not a JSON array") }
        for (n, entry) in addedList.enumerated() {
            let at = "added_tokens[\(n)]"
            guard let entry = entry as? [String: Any] else { throw fail(at, "not a JSON object") }
            guard let id = entry["id"] as? Int, id >= 0 else {
                throw fail("\(at).id", "missing or not a non-negative integer")
            }
            guard id < Self.maximumVocabularySize else {
                throw fail("\(at).id", "id \(id) is out of range 0..<\(Self.maximumVocabularySize)")
            }
            guard let content = entry["content"] as? String, !content.isEmpty else {
                throw fail("\(at).content", "missing or not a non-empty string")
            }
            if try Self.bool(entry, "single_word", default: false, at: at, fail) {
                throw fail("\(at).single_word", "true is not supported")
            }
            added.append(AddedToken(
                id: Int32(id), content: content,
                special: try Self.bool(entry, "special", default: false, at: at, fail),
                lstrip: try Self.bool(entry, "lstrip", default: false, at: at, fail),
                rstrip: try Self.bool(entry, "rstrip", default: false, at: at, fail),
                normalized: try Self.bool(entry, "normalized", default: false, at: at, fail)))
        }

        // Without byte tokens nothing can be encoded, and an empty vocabulary made every
        // answer "rank 1" in evaluation.
        guard !spellingForID.isEmpty else { throw fail("model.vocab", "is empty: a BPE needs at least its byte tokens") }
        let size = max(spellingForID.keys.max() ?? -1, added.map { Int($0.id) }.max() ?? -1) + 1
        var tokenBytes = [[UInt8]](repeating: [], count: size)
        var spelling = [String?](repeating: nil, count: size)
        var idForSpelling: [String: Int32] = [:]
        for (id, token) in spellingForID {
            spelling[id] = token
            // A vocabulary entry outside the byte alphabet (a special token's text) stands for its UTF-8.
            tokenBytes[id] = ByteLevelAlphabet.decode(token) ?? Array(token.utf8)
            idForSpelling[token] = Int32(id)
        }
        for token in added { tokenBytes[Int(token.id)] = Array(token.content.utf8) }

        if let unk = model["unk_token"], !(unk is NSNull) {
            guard let unk = unk as? String, let id = idForSpelling[unk] else {
                throw fail("model.unk_token", "\(unk) is not a token of model.vocab")
            }
            options.unknownID = id
        }

        // Merges, in rank order.
        guard let mergeList = model["merges"] as? [Any] else {
            throw fail("model.merges", model["merges"] == nil ? "missing" : "not a JSON array")
        }
        var merges: [(left: Int32, right: Int32, result: Int32)] = []
        merges.reserveCapacity(mergeList.count)
        for (n, entry) in mergeList.enumerated() {
            let at = "model.merges[\(n)]"
            let parts: [String]
            if let text = entry as? String {
                parts = text.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            } else if let pair = entry as? [Any], let strings = pair as? [String] {
                parts = strings
            } else {
                throw fail(at, "neither a \"a b\" string nor a [a, b] pair of strings")
            }
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw fail(at, "\(Self.quoted(parts.joined(separator: " "))) is not two tokens")
            }
            guard let left = idForSpelling[parts[0]] else { throw fail(at, "token \(Self.quoted(parts[0])) is not in model.vocab") }
            guard let right = idForSpelling[parts[1]] else { throw fail(at, "token \(Self.quoted(parts[1])) is not in model.vocab") }
            guard let result = idForSpelling[parts[0] + parts[1]] else {
                throw fail(at, "the merged token \(Self.quoted(parts[0] + parts[1])) is not in model.vocab")
            }
            merges.append((left, right, result))
        }

        self.init(tokenBytes: tokenBytes, tokenSpelling: spelling, merges: merges, addedTokens: added, options: options)
    }

    /// Writes `tokenizer.json` atomically (temporary file, fsync, rename).
    public func save(to url: URL) throws {
        do {
            try AtomicFile.write(Data(tokenizerJSON().utf8), to: url)
        } catch let failure as AtomicFile.Failure {
            throw TokenizerError(file: url.path, key: "", reason: failure.reason)
        }
    }

    /// The `tokenizer.json` text, laid out as Hugging Face writes it (vocab in id order,
    /// merges as [a, b] pairs); the same tokenizer always gives the same bytes.
    public func tokenizerJSON() -> String {
        var out = "{\n  \"version\": \"1.0\",\n  \"truncation\": null,\n  \"padding\": null,\n  \"added_tokens\": ["
        for (n, t) in addedTokens.enumerated() {
            out += n == 0 ? "\n" : ",\n"
            out += "    {\"id\": \(t.id), \"content\": \(Self.quoted(t.content)), \"single_word\": false, "
            out += "\"lstrip\": \(t.lstrip), \"rstrip\": \(t.rstrip), \"normalized\": \(t.normalized), \"special\": \(t.special)}"
        }
        out += addedTokens.isEmpty ? "],\n" : "\n  ],\n"
        out += "  \"normalizer\": null,\n"
        out += "  \"pre_tokenizer\": {\"type\": \"ByteLevel\", \"add_prefix_space\": \(options.addPrefixSpace), "
        out += "\"trim_offsets\": true, \"use_regex\": \(options.useRegex)},\n"
        out += "  \"post_processor\": null,\n"
        out += "  \"decoder\": {\"type\": \"ByteLevel\", \"add_prefix_space\": true, \"trim_offsets\": true, \"use_regex\": true},\n"
        let unk = options.unknownID.flatMap { tokenSpelling[Int($0)] }.map(Self.quoted) ?? "null"
        out += "  \"model\": {\n    \"type\": \"BPE\",\n    \"dropout\": null,\n    \"unk_token\": \(unk),\n"
        out += "    \"continuing_subword_prefix\": null,\n    \"end_of_word_suffix\": null,\n"
        out += "    \"fuse_unk\": false,\n    \"byte_fallback\": false,\n    \"ignore_merges\": \(options.ignoreMerges),\n"
        out += "    \"vocab\": {"
        var first = true
        for (id, token) in tokenSpelling.enumerated() {
            guard let token else { continue }
            out += first ? "\n      " : ",\n      "
            out += "\(Self.quoted(token)): \(id)"
            first = false
        }
        out += first ? "},\n" : "\n    },\n"
        out += "    \"merges\": ["
        for (n, m) in merges.enumerated() {
            out += n == 0 ? "\n      [" : ",\n      ["
            out += "\(Self.quoted(tokenSpelling[Int(m.left)] ?? "")), \(Self.quoted(tokenSpelling[Int(m.right)] ?? ""))]"
        }
        out += merges.isEmpty ? "]\n  }\n}\n" : "\n    ]\n  }\n}\n"
        return out
    }

    /// What JSONSerialization says is wrong, without the "NSCocoaErrorDomain error 3840" wrapper.
    static func jsonErrorText(_ error: Error) -> String {
        let ns = error as NSError
        if let detail = ns.userInfo[NSDebugDescriptionErrorKey] as? String { return Excerpt.visible(detail) }
        return Excerpt.visible(ns.localizedDescription)
    }

    private static func bool(_ object: [String: Any], _ key: String, default value: Bool, at path: String,
                             _ fail: (String, String) -> TokenizerError) throws -> Bool {
        guard let raw = object[key], !(raw is NSNull) else { return value }
        guard let flag = raw as? Bool else { throw fail("\(path).\(key)", "\(raw) is not true or false") }
        return flag
    }

    /// A token cut for an error message (a hostile file may hold a 10 MB "token").
    static func cut(_ s: String) -> String { s.count > Excerpt.defaultLimit ? String(s.prefix(Excerpt.defaultLimit)) + "…" : s }

    /// A JSON string literal (UTF-8 kept as is, control characters escaped).
    static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                out += String(format: "\\u%04X", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
