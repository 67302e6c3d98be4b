/// GPT-2's pre-tokenizer, written out by hand instead of a regex engine:
///
///     's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
///
/// Alternatives are tried in order at each position (first match wins, as in the regex).
/// `\s` is Unicode White_Space (what Hugging Face's Oniguruma uses: U+0085 and U+00A0 are
/// spaces, U+001C-U+001F and U+200B are not); the letter and number classes are the
/// general categories L* and N*. Works on scalars, so combining marks split from their base
/// letters exactly as the regex does.
///
/// With `isolateNumbers` (llama.cpp's `smollm`, `starcoder`, `refact`, ... pre-tokenizers;
/// Hugging Face's `Digits(individual_digits)` before `ByteLevel`), every \p{N} scalar is cut
/// out as a word of its own first, and the GPT-2 pattern then runs inside each stretch
/// between them, so a stretch's end (not only the text's) ends `\s+(?!\S)`: "a  1" gives
/// "a", "  ", "1".
struct PreTokenizer {
    /// Scalar classes; `space` is U+0020 alone because only it may prefix a word.
    enum Kind: UInt8 { case other, letter, number, whitespace, space, apostrophe }

    private static let asciiKinds: [Kind] = (0..<128).map { b -> Kind in
        switch UInt8(b) {
        case 0x20: return .space
        case 0x27: return .apostrophe
        case 0x09...0x0D: return .whitespace
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"): return .letter
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return .number
        default: return .other
        }
    }

    static func kind(of scalar: Unicode.Scalar) -> Kind {
        if scalar.value < 128 { return asciiKinds[Int(scalar.value)] }
        let p = scalar.properties
        if p.isWhitespace { return .whitespace }
        switch p.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return .letter
        case .decimalNumber, .letterNumber, .otherNumber: return .number
        default: return .other
        }
    }

    /// Splits valid UTF-8 `bytes` into words; `emit` gets each word's byte range.
    static func split(_ bytes: UnsafeBufferPointer<UInt8>, isolateNumbers: Bool = false,
                      emit: (Range<Int>) -> Void) {
        // Decode once into per-scalar kinds, byte offsets and (for contractions) ASCII values.
        var kinds: [Kind] = []
        var offsets: [Int] = []
        var ascii: [UInt8] = []
        kinds.reserveCapacity(bytes.count)
        offsets.reserveCapacity(bytes.count + 1)
        ascii.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            let b0 = bytes[i]
            offsets.append(i)
            if b0 < 0x80 {
                kinds.append(asciiKinds[Int(b0)])
                ascii.append(b0)
                i += 1
                continue
            }
            var value: UInt32
            var length: Int
            if b0 < 0xE0 { value = UInt32(b0 & 0x1F); length = 2 }
            else if b0 < 0xF0 { value = UInt32(b0 & 0x0F); length = 3 }
            else { value = UInt32(b0 & 0x07); length = 4 }
            for k in 1..<length { value = (value << 6) | UInt32(bytes[i + k] & 0x3F) }
            kinds.append(kind(of: Unicode.Scalar(value) ?? "\u{FFFD}"))
            ascii.append(0)
            i += length
        }
        offsets.append(bytes.count)

        let n = kinds.count
        guard isolateNumbers else {
            splitGPT2(kinds, ascii, offsets, 0..<n, emit: emit)
            return
        }
        var start = 0
        while start < n {
            if kinds[start] == .number {
                emit(offsets[start]..<offsets[start + 1])
                start += 1
                continue
            }
            var end = start + 1
            while end < n && kinds[end] != .number { end += 1 }
            splitGPT2(kinds, ascii, offsets, start..<end, emit: emit)
            start = end
        }
    }

    /// The GPT-2 pattern over the scalars `range`, as if they were the whole text.
    private static func splitGPT2(_ kinds: [Kind], _ ascii: [UInt8], _ offsets: [Int], _ range: Range<Int>,
                                  emit: (Range<Int>) -> Void) {
        let n = range.upperBound
        var s = range.lowerBound
        while s < n {
            var e: Int
            let k = kinds[s]
            if k == .apostrophe, let len = contractionLength(ascii, at: s, end: n) {
                e = s + len
            } else if k == .space && s + 1 < n && !isSpace(kinds[s + 1]) {
                // ` ?\p{L}+`, ` ?\p{N}+`, ` ?[^\s\p{L}\p{N}]+` with the optional space present.
                e = wordEnd(kinds, from: s + 1, end: n)
            } else if !isSpace(k) {
                e = wordEnd(kinds, from: s, end: n)
            } else {
                var end = s
                while end < n && isSpace(kinds[end]) { end += 1 }
                if end == n {
                    e = n                  // `\s+(?!\S)` to the end of the stretch
                } else if end - s >= 2 {
                    e = end - 1            // leave the last space to prefix the next word
                } else {
                    e = end                // `\s+`: a lone whitespace before a non-space
                }
            }
            emit(offsets[s]..<offsets[e])
            s = e
        }
    }

    private static func isSpace(_ k: Kind) -> Bool { k == .whitespace || k == .space }

    /// End of the run of letters, of numbers, or of "other" scalars starting at `start`.
    private static func wordEnd(_ kinds: [Kind], from start: Int, end n: Int) -> Int {
        let first = kinds[start]
        var j = start + 1
        switch first {
        case .letter, .number:
            while j < n && kinds[j] == first { j += 1 }
        default:
            while j < n && (kinds[j] == .other || kinds[j] == .apostrophe) { j += 1 }
        }
        return j
    }

    /// GPT-2's contractions are case-sensitive: 's 't 're 've 'm 'll 'd.
    private static func contractionLength(_ ascii: [UInt8], at s: Int, end n: Int) -> Int? {
        guard s + 1 < n else { return nil }
        switch ascii[s + 1] {
        case UInt8(ascii: "s"), UInt8(ascii: "t"), UInt8(ascii: "m"), UInt8(ascii: "d"):
            return 2
        case UInt8(ascii: "r"), UInt8(ascii: "v"):
            return s + 2 < n && ascii[s + 2] == UInt8(ascii: "e") ? 3 : nil
        case UInt8(ascii: "l"):
            return s + 2 < n && ascii[s + 2] == UInt8(ascii: "l") ? 3 : nil
        default:
            return nil
        }
    }
}

extension BPETokenizer {
    /// GPT-2's pre-tokenization of `text` into words, before any merge (for display and
    /// for checking against a regex engine).
    /// `isolateNumbers`: every \p{N} scalar alone first (the `smollm` pre-tokenizer).
    public static func words(in text: String, isolateNumbers: Bool = false) -> [String] {
        var words: [String] = []
        let utf8 = Array(text.utf8)
        utf8.withUnsafeBufferPointer { bytes in
            PreTokenizer.split(bytes, isolateNumbers: isolateNumbers) { words.append(String(decoding: bytes[$0], as: UTF8.self)) }
        }
        return words
    }
}
