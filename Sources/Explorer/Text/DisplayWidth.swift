/// Terminal display width of text, the way a terminal lays it out: a wcwidth(3)
/// equivalent that does not depend on the C library's locale tables, so snapshots,
/// tests and the live screen measure text identically.
///
/// Widths are per grapheme cluster (a Swift `Character`): the base scalar decides,
/// combining marks and joiners add nothing, emoji presentation makes a cluster wide.
public enum DisplayWidth {
    /// Columns one Unicode scalar occupies on its own: 0, 1 or 2.
    /// Control characters count 0 here; `Canvas` drawing replaces them first.
    public static func of(_ scalar: Unicode.Scalar) -> Int {
        let v = scalar.value
        if v < 0x20 || (v >= 0x7F && v < 0xA0) { return 0 }
        if v < 0x300 { return 1 }  // fast path: Latin, no combining marks below U+0300
        if isZeroWidth(scalar) { return 0 }
        if isWide(v) { return 2 }
        if scalar.properties.isEmojiPresentation { return 2 }
        return 1
    }

    /// Columns one grapheme cluster occupies.
    public static func of(_ character: Character) -> Int {
        let scalars = character.unicodeScalars
        guard let first = scalars.first else { return 0 }
        if scalars.count == 1 { return of(first) }
        var base = of(first)
        for s in scalars.dropFirst() {
            switch s.value {
            case 0xFE0F:  // VS16 asks for emoji presentation: two cells
                if first.properties.isEmoji { base = 2 }
            case 0x200D:  // ZWJ sequences render as one emoji
                if first.properties.isEmoji { base = 2 }
            case 0x1F1E6...0x1F1FF:  // a regional-indicator pair is a flag
                base = 2
            case 0x1160...0x11FF:  // conjoining jamo vowels/finals join the leading jamo
                break
            default:
                break
            }
        }
        return base
    }

    /// Columns a string occupies.
    public static func of(_ text: String) -> Int {
        var w = 0
        for c in text { w += of(c) }
        return w
    }

    /// The longest prefix of `text` that fits in `width` columns; with `ellipsis`,
    /// a truncated result ends in it (and still fits).
    public static func truncate(_ text: String, to width: Int, ellipsis: String = "") -> String {
        if width <= 0 { return "" }
        if of(text) <= width { return text }
        let room = max(0, width - of(ellipsis))
        var out = ""
        var used = 0
        for c in text {
            let w = of(c)
            if used + w > room { break }
            out.append(c)
            used += w
        }
        return room < width ? out + ellipsis : out
    }

    /// `text` truncated or right-padded with spaces to exactly `width` columns.
    public static func pad(_ text: String, to width: Int, ellipsis: String = "…", alignRight: Bool = false) -> String {
        let t = truncate(text, to: width, ellipsis: ellipsis)
        let gap = String(repeating: " ", count: max(0, width - of(t)))
        return alignRight ? gap + t : t + gap
    }

    static func isZeroWidth(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        switch v {
        case 0x200B...0x200F, 0x2028...0x202E, 0x2060...0x2064, 0xFEFF: return true
        case 0xFE00...0xFE0F, 0xE0100...0xE01EF: return true  // variation selectors
        case 0x1160...0x11FF, 0xD7B0...0xD7FF: return true  // Hangul jamo medial/final
        default: break
        }
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return true
        default: return false
        }
    }

    /// East Asian Wide and Fullwidth ranges (Unicode 15 EastAsianWidth.txt, W and F),
    /// less the emoji that `isEmojiPresentation` already covers.
    static func isWide(_ v: UInt32) -> Bool {
        switch v {
        case 0x1100...0x115F,  // Hangul jamo initials
             0x2329...0x232A,
             0x2E80...0x303E,  // CJK radicals, punctuation
             0x3041...0x33FF,  // kana, CJK compatibility
             0x3400...0x4DBF,  // CJK extension A
             0x4E00...0x9FFF,  // CJK unified ideographs
             0xA000...0xA4CF,  // Yi
             0xA960...0xA97F,
             0xAC00...0xD7A3,  // Hangul syllables
             0xF900...0xFAFF,  // CJK compatibility ideographs
             0xFE10...0xFE19,
             0xFE30...0xFE6F,
             0xFF00...0xFF60,  // fullwidth forms
             0xFFE0...0xFFE6,
             0x16FE0...0x16FE4,
             0x17000...0x18CFF,  // Tangut
             0x1B000...0x1B2FF,  // kana supplement
             0x1F200...0x1F2FF,  // enclosed ideographic supplement
             0x20000...0x2FFFD,  // CJK extensions B-F
             0x30000...0x3FFFD:
            return true
        default:
            return false
        }
    }
}
