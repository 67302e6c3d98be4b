import AtomicIO
import Foundation

/// One JSON Lines record as a dictionary. Amazon's 2014 metadata is not JSON but Python
/// literals (single quotes, True/None), so those lines go through `PythonLiteral`.
enum JSONLine {
    /// Nesting deeper than this is refused before any parser sees the line: a reader of
    /// untrusted text must not recurse without bound (a record nested 40,000 levels deep
    /// overflowed the stack). 64: Amazon's deepest real records (2014 `categories`) nest 3.
    static let maximumDepth = 64

    /// Why a line is not a record, for the loader to report with its file and line.
    struct Refusal: Error, CustomStringConvertible {
        var description: String
    }

    /// The line as a dictionary, or a `Refusal` saying why not.
    static func object(_ line: UnsafeBufferPointer<UInt8>, allowPythonLiteral: Bool) throws -> [String: Any] {
        let depth = JSONNesting.depth(UnsafeRawBufferPointer(line), limit: maximumDepth)
        if depth > maximumDepth {
            throw Refusal(description: "nested more than \(maximumDepth) levels deep (refused: a record is a flat object)")
        }
        let data = Data(buffer: line)
        if let parsed = try? JSONSerialization.jsonObject(with: data, options: []) {
            guard let obj = parsed as? [String: Any] else { throw Refusal(description: "a JSON value but not an object") }
            return obj
        }
        if allowPythonLiteral, let text = ByteParsing.utf8(line), let obj = PythonLiteral.parse(text) as? [String: Any] {
            return obj
        }
        throw Refusal(description: "not a JSON object")
    }

    static func string(_ v: Any?) -> String? {
        if let s = v as? String { return s }
        if let n = v as? NSNumber { return n.stringValue }
        return nil
    }

    /// A finite number (JSON number or a numeric string such as "5.0"); nil otherwise —
    /// "nan", "inf" and "1e999" are not numbers a rating or a time can be.
    static func number(_ v: Any?) -> Double? {
        var d: Double?
        if let n = v as? NSNumber { d = n.doubleValue }
        if let s = v as? String { d = Double(s.trimmingCharacters(in: .whitespaces)) }
        return d.flatMap { $0.isFinite ? $0 : nil }
    }

    static func isNull(_ v: Any?) -> Bool { v == nil || v is NSNull }
}

/// A small parser for Python literal dicts as `str(dict)` writes them (Amazon 2014 meta).
enum PythonLiteral {
    static func parse(_ text: String) -> Any? {
        var p = Parser(chars: Array(text.unicodeScalars))
        guard let v = p.value() else { return nil }
        p.skipSpace()
        return p.i == p.chars.count ? v : nil
    }

    private struct Parser {
        let chars: [Unicode.Scalar]
        var i = 0

        mutating func skipSpace() { while i < chars.count, chars[i].properties.isWhitespace { i += 1 } }

        /// Containers open around the current position; `JSONLine.object` pre-checks the
        /// depth, this keeps the parser itself safe when called on unchecked text.
        var depth = 0

        mutating func value() -> Any? {
            skipSpace()
            guard depth < JSONLine.maximumDepth else { return nil }
            guard i < chars.count else { return nil }
            switch chars[i] {
            case "{": return dict()
            case "[", "(": return list(close: chars[i] == "[" ? "]" : ")")
            case "'", "\"": return string()
            default: return atom()
            }
        }

        mutating func dict() -> [String: Any]? {
            i += 1
            depth += 1
            defer { depth -= 1 }
            var out: [String: Any] = [:]
            skipSpace()
            if i < chars.count, chars[i] == "}" { i += 1; return out }
            while true {
                guard let k = value() else { return nil }
                skipSpace()
                guard i < chars.count, chars[i] == ":" else { return nil }
                i += 1
                guard let v = value() else { return nil }
                out[(k as? String) ?? "\(k)"] = v
                skipSpace()
                guard i < chars.count else { return nil }
                if chars[i] == "," { i += 1; skipSpace(); if i < chars.count, chars[i] == "}" { i += 1; return out }; continue }
                if chars[i] == "}" { i += 1; return out }
                return nil
            }
        }

        mutating func list(close: Unicode.Scalar) -> [Any]? {
            i += 1
            depth += 1
            defer { depth -= 1 }
            var out: [Any] = []
            skipSpace()
            if i < chars.count, chars[i] == close { i += 1; return out }
            while true {
                guard let v = value() else { return nil }
                out.append(v)
                skipSpace()
                guard i < chars.count else { return nil }
                if chars[i] == "," { i += 1; skipSpace(); if i < chars.count, chars[i] == close { i += 1; return out }; continue }
                if chars[i] == close { i += 1; return out }
                return nil
            }
        }

        mutating func string() -> String? {
            let quote = chars[i]
            i += 1
            var s = String.UnicodeScalarView()
            while i < chars.count {
                let c = chars[i]
                if c == quote { i += 1; return String(s) }
                if c == "\\", i + 1 < chars.count {
                    i += 1
                    switch chars[i] {
                    case "n": s.append("\n")
                    case "t": s.append("\t")
                    case "r": s.append("\r")
                    case "x", "u":
                        let len = chars[i] == "x" ? 2 : 4
                        guard i + len < chars.count,
                              let v = UInt32(String(String.UnicodeScalarView(chars[(i + 1)...(i + len)])), radix: 16),
                              let u = Unicode.Scalar(v) else { return nil }
                        s.append(u)
                        i += len
                    default: s.append(chars[i])
                    }
                    i += 1
                    continue
                }
                s.append(c)
                i += 1
            }
            return nil
        }

        mutating func atom() -> Any? {
            let start = i
            while i < chars.count, !",:]})".unicodeScalars.contains(chars[i]), !chars[i].properties.isWhitespace { i += 1 }
            let word = String(String.UnicodeScalarView(chars[start..<i]))
            switch word {
            case "True": return true
            case "False": return false
            case "None": return NSNull()
            default: return Double(word).map { $0 as Any }
            }
        }
    }
}
