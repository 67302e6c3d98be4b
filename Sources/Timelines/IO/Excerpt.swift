/// How an error message quotes text that came from a file: at most `limit` characters
/// (a 10 MB field must not fill the terminal), with what is invisible made visible — a
/// BOM, a CR or any other control character appears as an escape such as `\u{FEFF}` or
/// `\r`, so "'userId' is not a number" never hides why.
public enum Excerpt {
    /// 200: a long title or ID fits whole; a pasted blob is cut with "…".
    public static let defaultLimit = 200

    /// `text` between single quotes, escaped and cut.
    public static func quoted(_ text: String, limit: Int = defaultLimit) -> String {
        "'" + visible(text, limit: limit) + "'"
    }

    /// Raw bytes (not necessarily UTF-8) between single quotes; invalid UTF-8 shows as U+FFFD.
    public static func quoted(_ bytes: UnsafeBufferPointer<UInt8>, limit: Int = defaultLimit) -> String {
        // Decode only a bounded prefix: 4 bytes per character is the most UTF-8 needs.
        let cut = UnsafeBufferPointer(rebasing: bytes[0..<min(bytes.count, limit * 4 + 4)])
        let text = String(decoding: cut, as: UTF8.self)
        let more = bytes.count > cut.count
        return "'" + visible(text, limit: limit, truncated: more) + "'"
    }

    public static func quoted(_ bytes: [UInt8], limit: Int = defaultLimit) -> String {
        bytes.withUnsafeBufferPointer { quoted($0, limit: limit) }
    }

    /// `text` with control characters, BOMs and other invisible format characters escaped,
    /// cut to `limit` characters with a trailing "…".
    public static func visible(_ text: String, limit: Int = defaultLimit, truncated: Bool = false) -> String {
        var out = ""
        var count = 0
        var cut = truncated
        // `count`: characters written, escapes included, so the result is at most limit + 1.
        for scalar in text.unicodeScalars {
            let piece: String
            switch scalar {
            case "\r": piece = "\\r"
            case "\n": piece = "\\n"
            case "\t": piece = "\\t"
            case _ where scalar.value < 0x20 || (scalar.value >= 0x7F && scalar.value < 0xA0)
                || scalar.value == 0xFEFF || scalar.value == 0xFFFD
                || (scalar.value >= 0x200B && scalar.value <= 0x200F) || (scalar.value >= 0x2028 && scalar.value <= 0x202E):
                piece = "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            default: piece = String(scalar)
            }
            if count + piece.count > limit { cut = true; break }
            out += piece
            count += piece.count
        }
        return cut ? out + "…" : out
    }
}
