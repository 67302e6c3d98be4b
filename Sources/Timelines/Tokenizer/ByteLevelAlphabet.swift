/// GPT-2's reversible map between the 256 byte values and 256 printable Unicode scalars.
///
/// Byte-level BPE vocabularies (GPT-2, RoBERTa, Hugging Face `ByteLevel`) spell every token
/// as a string over this alphabet, so that e.g. the space byte 0x20 is written "Ġ" and a
/// token never contains whitespace or control characters. Printable Latin-1 bytes map to
/// themselves; the other 68 bytes map, in byte order, to U+0100, U+0101, ...
enum ByteLevelAlphabet {
    /// `scalarForByte[b]` is the scalar that spells byte `b`.
    static let scalarForByte: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: "\0", count: 256)
        var next: UInt32 = 256
        for b in 0..<256 {
            let printable = (0x21...0x7E).contains(b) || (0xA1...0xAC).contains(b) || (0xAE...0xFF).contains(b)
            if printable {
                table[b] = Unicode.Scalar(UInt8(b))
            } else {
                table[b] = Unicode.Scalar(next)!
                next += 1
            }
        }
        return table
    }()

    /// The inverse: scalar value → byte, for the 256 scalars of the alphabet.
    static let byteForScalar: [UInt32: UInt8] = {
        var map: [UInt32: UInt8] = [:]
        for (b, s) in scalarForByte.enumerated() { map[s.value] = UInt8(b) }
        return map
    }()

    /// The token string of a byte sequence ("Ġthe" for " the").
    static func encode(_ bytes: [UInt8]) -> String {
        var s = String.UnicodeScalarView()
        for b in bytes { s.append(scalarForByte[Int(b)]) }
        return String(s)
    }

    /// The bytes a token string spells, or nil when it holds a scalar outside the alphabet.
    static func decode(_ token: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(token.unicodeScalars.count)
        for s in token.unicodeScalars {
            guard let b = byteForScalar[s.value] else { return nil }
            bytes.append(b)
        }
        return bytes
    }

    /// `byteForValue[v]`: the byte spelt by scalar value v (the alphabet lies below U+0144), -1 if none.
    private static let byteForValue: [Int16] = {
        var table = [Int16](repeating: -1, count: 0x144)
        for (b, s) in scalarForByte.enumerated() { table[Int(s.value)] = Int16(b) }
        return table
    }()

    /// `decode` on a token's UTF-8 without building a String: the alphabet's scalars are one
    /// or two UTF-8 bytes, so this is a table walk (building a 49k vocabulary calls it per token).
    static func decodeFast(_ utf8: [UInt8]) -> [UInt8]? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count)
        var i = 0
        while i < utf8.count {
            let b0 = utf8[i]
            var value: Int
            if b0 < 0x80 {
                value = Int(b0)
                i += 1
            } else if b0 & 0xE0 == 0xC0, i + 1 < utf8.count, utf8[i + 1] & 0xC0 == 0x80 {
                value = Int(b0 & 0x1F) << 6 | Int(utf8[i + 1] & 0x3F)
                i += 2
            } else {
                return nil
            }
            guard value < byteForValue.count, byteForValue[value] >= 0 else { return nil }
            bytes.append(UInt8(byteForValue[value]))
        }
        return bytes
    }
}
