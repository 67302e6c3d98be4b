import Foundation

/// Byte-level BPE (GPT-2 / Hugging Face `ByteLevel` + `BPE`): text → UTF-8 bytes →
/// words by GPT-2's pre-tokenizer → ranked merges within each word.
///
/// Trained with `train(corpus:vocabSize:...)`, or loaded from a Hugging Face
/// `tokenizer.json` (see `BPETokenizer+TokenizerJSON.swift`), and then encodes exactly as
/// Hugging Face does. `decode(encode(s)) == s` for every string when the pre-tokenizer adds
/// no prefix space (userllm's own tokenizers never do).
///
/// Thread-safe: the word cache is behind a lock, everything else is immutable.
public final class BPETokenizer: @unchecked Sendable {
    /// A token matched as a whole in raw text before pre-tokenization (HF "added token").
    struct AddedToken: Equatable {
        var id: Int32
        var content: String
        var special: Bool
        /// Swallow whitespace on the left / right of the match into the token (RoBERTa's <mask>).
        var lstrip = false
        var rstrip = false
        var normalized = false
    }

    /// Pre-tokenizer and model switches of the Hugging Face format that change the ids.
    struct Options: Equatable {
        /// Prepend " " to each text piece not starting with one (RoBERTa-style files).
        var addPrefixSpace = false
        /// false: each text piece is one word (no GPT-2 split).
        var useRegex = true
        /// A word that is itself in the vocabulary becomes that token without merging.
        var ignoreMerges = false
        /// Emitted for a byte with no token (only possible in loaded files); nil drops it, as HF does.
        var unknownID: Int32? = nil
        /// Every \p{N} scalar is a word alone before the GPT-2 split (GGUF pre-tokenizer `smollm`).
        var isolateNumbers = false
        /// Added tokens are found as llama.cpp finds them (longest token first, everywhere in
        /// the text, then the next longest in what is left) instead of Hugging Face's
        /// leftmost-longest scan; the two differ only where matches overlap.
        var longestTokenFirst = false
    }

    /// `tokenBytes[id]`: the bytes a token stands for (an added token: its content's UTF-8).
    let tokenBytes: [[UInt8]]
    /// `tokenSpelling[id]`: the vocabulary key in tokenizer.json (nil: no such id).
    let tokenSpelling: [String?]
    /// Merges in rank order: (left, right, result).
    let merges: [(left: Int32, right: Int32, result: Int32)]
    let addedTokens: [AddedToken]
    let options: Options
    /// Roles given by id rather than by text (a GGUF file's bos/eos/unk/pad ids).
    public let roles: SpecialTokenIDs

    /// The single-byte token of each byte value, -1 where the vocabulary has none.
    private let byteTokenID: [Int32]
    /// (left << 32 | right) → (rank << 32 | result).
    let mergeLookup: [UInt64: UInt64]
    private let idForBytes: [[UInt8]: Int32]
    private let specialIDs: [String: Int32]
    private let isSpecialID: Set<Int32>
    /// Added tokens' UTF-8, and which bytes start one: most positions are rejected by one load.
    let addedTokenBytes: [[UInt8]]
    private let startsAddedToken: [Bool]
    /// Indices into `addedTokens`, longest content first (ties: lower id first).
    let addedTokensLongestFirst: [Int]

    private let cacheLock = NSLock()
    /// Word → ids, keyed by a 64-bit hash of the word's bytes so a hit allocates nothing;
    /// the entry keeps the bytes, and a hash collision is treated as a miss.
    private var wordCache: [UInt64: (bytes: [UInt8], ids: [Int32])] = [:]
    /// Words longer than this are merged every time: bounds the cache's memory.
    private let maxCachedWordBytes = 64

    init(tokenBytes: [[UInt8]], tokenSpelling: [String?], merges: [(left: Int32, right: Int32, result: Int32)],
         addedTokens: [AddedToken], options: Options, roles: SpecialTokenIDs = SpecialTokenIDs()) {
        self.tokenBytes = tokenBytes
        self.roles = roles
        self.tokenSpelling = tokenSpelling
        self.merges = merges
        self.addedTokens = addedTokens
        self.options = options
        let addedIDs = Set(addedTokens.map(\.id))
        var byteIDs = [Int32](repeating: -1, count: 256)
        var bytesToID: [[UInt8]: Int32] = [:]
        for (id, bytes) in tokenBytes.enumerated() where tokenSpelling[id] != nil && !addedIDs.contains(Int32(id)) {
            if bytes.count == 1 && byteIDs[Int(bytes[0])] < 0 { byteIDs[Int(bytes[0])] = Int32(id) }
            if bytesToID[bytes] == nil { bytesToID[bytes] = Int32(id) }
        }
        byteTokenID = byteIDs
        idForBytes = bytesToID
        var lookup: [UInt64: UInt64] = [:]
        lookup.reserveCapacity(merges.count)
        for (rank, m) in merges.enumerated() {
            let key = UInt64(UInt32(bitPattern: m.left)) << 32 | UInt64(UInt32(bitPattern: m.right))
            if lookup[key] == nil { lookup[key] = UInt64(rank) << 32 | UInt64(UInt32(bitPattern: m.result)) }
        }
        mergeLookup = lookup
        var specials: [String: Int32] = [:]
        for t in addedTokens where t.special { specials[t.content] = t.id }
        specialIDs = specials
        isSpecialID = Set(addedTokens.filter(\.special).map(\.id))
        addedTokenBytes = addedTokens.map { Array($0.content.utf8) }
        var starts = [Bool](repeating: false, count: 256)
        for bytes in addedTokenBytes where !bytes.isEmpty { starts[Int(bytes[0])] = true }
        startsAddedToken = starts
        let lengths = addedTokens.map { $0.content.utf8.count }
        addedTokensLongestFirst = addedTokens.indices.sorted {
            (lengths[$0], -addedTokens[$0].id) > (lengths[$1], -addedTokens[$1].id)
        }
    }

    // MARK: - Vocabulary

    /// One more than the largest token id.
    public var vocabSize: Int { tokenBytes.count }
    public var mergeCount: Int { merges.count }

    /// userllm's own special token by its text; for bos, eos and pad, else the id the file
    /// gives that role (SmolLM2: bos `<|im_start|>`, eos and pad `<|im_end|>`).
    public func id(of special: SpecialToken) -> Int32? {
        if let id = specialIDs[special.rawValue] { return id }
        switch special {
        case .bos: return roles.bos
        case .eos: return roles.eos
        case .pad: return roles.pad
        default: return nil
        }
    }
    /// The id of a special token by its text, e.g. "<|endoftext|>".
    public func id(ofSpecial content: String) -> Int32? { specialIDs[content] }
    public func isSpecial(_ id: Int32) -> Bool { isSpecialID.contains(id) }
    /// The special tokens' texts, in id order.
    public var specialTokens: [String] { addedTokens.filter(\.special).sorted { $0.id < $1.id }.map(\.content) }

    /// The token as the vocabulary spells it ("Ġthe"; a control token as its text), nil outside it.
    public func spelling(_ id: Int32) -> String? {
        guard id >= 0, Int(id) < tokenSpelling.count else { return nil }
        return tokenSpelling[Int(id)]
    }

    /// The text one token stands for ("Ġthe" → " the"); a partial UTF-8 sequence shows as U+FFFD.
    public func piece(_ id: Int32) -> String {
        guard id >= 0, Int(id) < tokenBytes.count else { return "" }
        return String(decoding: tokenBytes[Int(id)], as: UTF8.self)
    }

    // MARK: - Encode / decode

    /// Token ids of `text`. With `allowSpecial`, special tokens written in the text (such as
    /// "<|eos|>") become their ids; without, they are encoded as ordinary text. Non-special
    /// added tokens of loaded files are always matched, as in Hugging Face.
    public func encode(_ text: String, allowSpecial: Bool = true) -> [Int32] {
        var ids: [Int32] = []
        ids.reserveCapacity(text.utf8.count / 3 + 4)
        forEachWord(in: text, allowSpecial: allowSpecial,
                    addedToken: { ids.append($0) },
                    word: { encodeWord($0, into: &ids) })
        return ids
    }

    /// Token ids of a text made of parts, some of which may hold special tokens (a chat
    /// template's markup) and some of which may not (what a user wrote): special tokens are
    /// matched only inside parts with `parseSpecial`, and never across a part boundary. The
    /// text between special tokens is pre-tokenized as one stretch across part boundaries,
    /// so where no part is refused a special token, the ids equal `encode(joined)`.
    public func encode(parts: [(text: String, parseSpecial: Bool)]) -> [Int32] {
        var utf8: [UInt8] = []
        // Each byte's part index where special tokens may match, -1 where they may not.
        var partOf: [Int32] = []
        for (n, part) in parts.enumerated() {
            utf8.append(contentsOf: part.text.utf8)
            partOf.append(contentsOf: repeatElement(part.parseSpecial ? Int32(n) : -1, count: part.text.utf8.count))
        }
        var ids: [Int32] = []
        ids.reserveCapacity(utf8.count / 3 + 4)
        forEachWord(inUTF8: utf8, allowSpecial: true,
                    specialAllowed: { start, end in partOf[start] >= 0 && partOf[start] == partOf[end - 1] },
                    addedToken: { ids.append($0) },
                    word: { encodeWord($0, into: &ids) })
        return ids
    }

    /// Walks `text` as the encoder sees it: added tokens matched in the raw text, the
    /// stretches between them cut into words by the pre-tokenizer.
    func forEachWord(in text: String, allowSpecial: Bool = true,
                     addedToken: (Int32) -> Void = { _ in },
                     word: (UnsafeBufferPointer<UInt8>) -> Void) {
        forEachWord(inUTF8: Array(text.utf8), allowSpecial: allowSpecial, specialAllowed: nil,
                    addedToken: addedToken, word: word)
    }

    /// `specialAllowed(start, end)`: whether a special token may match bytes start..<end.
    private func forEachWord(inUTF8 utf8: [UInt8], allowSpecial: Bool,
                             specialAllowed: ((Int, Int) -> Bool)?,
                             addedToken: (Int32) -> Void,
                             word: (UnsafeBufferPointer<UInt8>) -> Void) {
        utf8.withUnsafeBufferPointer { bytes in
            if options.longestTokenFirst {
                var pieceStart = 0
                for m in addedTokenMatchesLongestFirst(bytes, allowSpecial: allowSpecial, specialAllowed: specialAllowed) {
                    forEachWord(inPiece: bytes, pieceStart..<m.start, word: word)
                    addedToken(m.id)
                    pieceStart = m.start + m.length
                }
                forEachWord(inPiece: bytes, pieceStart..<bytes.count, word: word)
                return
            }
            var pieceStart = 0
            var i = 0
            while i < bytes.count {
                guard let match = matchAddedToken(bytes, at: i, allowSpecial: allowSpecial,
                                                  specialAllowed: specialAllowed) else {
                    i += 1
                    continue
                }
                // lstrip/rstrip move whitespace next to the token into it.
                var left = i
                if match.token.lstrip {
                    while left > pieceStart && Self.isASCIIWhitespace(bytes[left - 1]) { left -= 1 }
                }
                var right = i + match.length
                if match.token.rstrip {
                    while right < bytes.count && Self.isASCIIWhitespace(bytes[right]) { right += 1 }
                }
                forEachWord(inPiece: bytes, pieceStart..<left, word: word)
                addedToken(match.token.id)
                pieceStart = right
                i = right
            }
            forEachWord(inPiece: bytes, pieceStart..<bytes.count, word: word)
        }
    }

    /// The text of `ids`. Special tokens are written out unless `skipSpecial`; ids outside
    /// the vocabulary are skipped; bytes that do not form valid UTF-8 become U+FFFD.
    public func decode(_ ids: [Int32], skipSpecial: Bool = false) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ids.count * 4)
        for id in ids where id >= 0 && Int(id) < tokenBytes.count {
            if skipSpecial && isSpecialID.contains(id) { continue }
            bytes.append(contentsOf: tokenBytes[Int(id)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func isASCIIWhitespace(_ b: UInt8) -> Bool { b == 0x20 || (0x09...0x0D).contains(b) }

    /// Leftmost-longest match of an added token starting at byte `i`.
    private func matchAddedToken(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int, allowSpecial: Bool,
                                 specialAllowed: ((Int, Int) -> Bool)? = nil) -> (token: AddedToken, length: Int)? {
        guard startsAddedToken[Int(bytes[i])] else { return nil }
        var best: (token: AddedToken, length: Int)?
        for (t, token) in addedTokens.enumerated() where allowSpecial || !token.special {
            let content = addedTokenBytes[t]
            guard !content.isEmpty, content.count <= bytes.count - i, content.count > (best?.length ?? 0),
                  content[0] == bytes[i] else { continue }
            if token.special, let specialAllowed, !specialAllowed(i, i + content.count) { continue }
            var same = true
            for (k, c) in content.enumerated() where bytes[i + k] != c {
                same = false
                break
            }
            if same { best = (token, content.count) }
        }
        return best
    }

    /// Pre-tokenizes one stretch of text between added tokens.
    private func forEachWord(inPiece bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>,
                             word: (UnsafeBufferPointer<UInt8>) -> Void) {
        guard !range.isEmpty else { return }
        let piece = UnsafeBufferPointer(rebasing: bytes[range])
        if options.addPrefixSpace && piece[0] != 0x20 {
            var prefixed = [UInt8(0x20)]
            prefixed.append(contentsOf: piece)
            prefixed.withUnsafeBufferPointer { splitWords($0, word: word) }
        } else {
            splitWords(piece, word: word)
        }
    }

    private func splitWords(_ piece: UnsafeBufferPointer<UInt8>, word: (UnsafeBufferPointer<UInt8>) -> Void) {
        if !options.useRegex {
            word(piece)
            return
        }
        PreTokenizer.split(piece, isolateNumbers: options.isolateNumbers) { range in word(UnsafeBufferPointer(rebasing: piece[range])) }
    }

    private func encodeWord(_ word: UnsafeBufferPointer<UInt8>, into ids: inout [Int32]) {
        guard word.count <= maxCachedWordBytes else {
            ids.append(contentsOf: mergeWord(word))
            return
        }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325   // FNV-1a
        for b in word { hash = (hash ^ UInt64(b)) &* 0x100_0000_01b3 }
        cacheLock.lock()
        let hit = wordCache[hash]
        cacheLock.unlock()
        if let hit, hit.bytes.elementsEqual(word) {
            ids.append(contentsOf: hit.ids)
            return
        }
        let merged = mergeWord(word)
        ids.append(contentsOf: merged)
        if hit == nil {
            cacheLock.lock()
            wordCache[hash] = (Array(word), merged)
            cacheLock.unlock()
        }
    }

    /// Applies merges as Hugging Face does: repeatedly the lowest-ranked adjacent pair,
    /// leftmost first, one occurrence at a time. Short words rescan (cheap, no heap); long
    /// ones take the heap path, which is O(n log n) where the rescan would be O(n²).
    func mergeWord(_ word: UnsafeBufferPointer<UInt8>) -> [Int32] {
        if options.ignoreMerges, let id = idForBytes[Array(word)] { return [id] }
        var symbols: [Int32] = []
        symbols.reserveCapacity(word.count)
        for b in word {
            let id = byteTokenID[Int(b)]
            if id >= 0 { symbols.append(id) } else if let unk = options.unknownID { symbols.append(unk) }
        }
        if symbols.count > 64 { return mergeLongWord(symbols) }
        while symbols.count > 1 {
            var bestRank = UInt64.max
            var bestIndex = -1
            var bestResult: Int32 = 0
            for j in 0..<(symbols.count - 1) {
                let key = UInt64(UInt32(bitPattern: symbols[j])) << 32 | UInt64(UInt32(bitPattern: symbols[j + 1]))
                if let value = mergeLookup[key], value >> 32 < bestRank {
                    bestRank = value >> 32
                    bestIndex = j
                    bestResult = Int32(bitPattern: UInt32(truncatingIfNeeded: value))
                }
            }
            if bestIndex < 0 { break }
            symbols[bestIndex] = bestResult
            symbols.remove(at: bestIndex + 1)
        }
        return symbols
    }
}
