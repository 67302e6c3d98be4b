/// Amazon's metadata writes titles, brands and categories HTML-escaped
/// ("Chili&#39;s Grill &amp; Bar"); names are shown and tokenised decoded.
public enum HTMLEntities {
    /// The named entities seen in the Amazon 2014/2018 metadata, plus the XML five.
    static let named: [Substring: Character] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": "\u{00A0}",
        "ntilde": "ñ", "Ntilde": "Ñ", "eacute": "é", "Eacute": "É", "egrave": "è", "aacute": "á",
        "iacute": "í", "oacute": "ó", "uacute": "ú", "uuml": "ü", "ouml": "ö", "auml": "ä",
        "ccedil": "ç", "rsquo": "\u{2019}", "lsquo": "\u{2018}", "rdquo": "\u{201D}", "ldquo": "\u{201C}",
        "ndash": "\u{2013}", "mdash": "\u{2014}", "hellip": "\u{2026}", "reg": "®", "trade": "™", "copy": "©",
    ]

    /// Replaces `&name;`, `&#NNN;` and `&#xHH;`; anything else (a bare '&', an unknown
    /// name) is kept as written.
    public static func decode(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var out = ""
        var rest = Substring(text)
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            let afterAmp = rest.index(after: amp)
            if let semi = rest[afterAmp...].prefix(10).firstIndex(of: ";"),
               let ch = character(for: rest[afterAmp..<semi]) {
                out.append(ch)
                rest = rest[rest.index(after: semi)...]
            } else {
                out.append("&")
                rest = rest[afterAmp...]
            }
        }
        return out + rest
    }

    private static func character(for entity: Substring) -> Character? {
        if entity.hasPrefix("#x") || entity.hasPrefix("#X") {
            return UInt32(entity.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init).map(Character.init)
        }
        if entity.hasPrefix("#") {
            return UInt32(entity.dropFirst(), radix: 10).flatMap(Unicode.Scalar.init).map(Character.init)
        }
        return named[entity]
    }
}
