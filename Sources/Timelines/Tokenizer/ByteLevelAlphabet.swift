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
}
