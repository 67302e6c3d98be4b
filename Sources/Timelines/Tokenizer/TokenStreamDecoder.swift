/// Decodes ids one at a time as a model generates them, emitting only complete UTF-8: a
/// token may end inside a character (byte-level BPE splits emoji and CJK across tokens), so
/// the last incomplete sequence waits for the next token instead of printing as U+FFFD.
///
/// The concatenation of every `append` and the final `finish` equals
/// `tokenizer.decode(ids, skipSpecial:)` of all the ids, for valid and invalid UTF-8 alike:
/// text is only ever cut before a lead byte, where a whole-text decoder starts afresh too.
public struct TokenStreamDecoder {
    private let tokenizer: BPETokenizer
    private let skipSpecial: Bool
    private var pending: [UInt8] = []

    public init(tokenizer: BPETokenizer, skipSpecial: Bool = false) {
        self.tokenizer = tokenizer
        self.skipSpecial = skipSpecial
    }

    /// The text that `id` completes (often empty while a character is incomplete).
    public mutating func append(_ id: Int32) -> String {
        guard id >= 0, Int(id) < tokenizer.tokenBytes.count else { return "" }
        if skipSpecial && tokenizer.isSpecial(id) { return "" }
        pending.append(contentsOf: tokenizer.tokenBytes[Int(id)])
        let cut = Self.completePrefixLength(pending)
        guard cut > 0 else { return "" }
        let text = String(decoding: pending[..<cut], as: UTF8.self)
        pending.removeFirst(cut)
        return text
    }

    /// Whatever is left (an incomplete character becomes U+FFFD), and a fresh start.
    public mutating func finish() -> String {
        defer { pending.removeAll() }
        return String(decoding: pending, as: UTF8.self)
    }

    /// Bytes held back so far (an incomplete character's first bytes).
    public var pendingByteCount: Int { pending.count }

    /// The length of `bytes` without a trailing sequence that a later byte could complete:
    /// a lead byte 0xC2...0xF4 followed by fewer continuation bytes than it announces.
    static func completePrefixLength(_ bytes: [UInt8]) -> Int {
        let n = bytes.count
        var i = n - 1
        // At most 3 continuation bytes can belong to an incomplete 4-byte sequence.
        while i >= 0 && i >= n - 4 {
            let b = bytes[i]
            if b & 0xC0 == 0x80 {
                i -= 1
                continue
            }
            let need: Int
            switch b {
            case 0xC2...0xDF: need = 2
            case 0xE0...0xEF: need = 3
            case 0xF0...0xF4: need = 4
            default: return n      // ASCII or a byte that can never start a character
            }
            return n - i < need ? i : n
        }
        return n
    }
}
