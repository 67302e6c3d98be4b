import Foundation

/// Number and text parsing straight from line bytes, for the loaders' hot paths.
enum ByteParsing {
    /// A decimal integer with optional sign; nil on anything else (empty, spaces, overflow).
    @inline(__always)
    static func int64(_ b: UnsafeBufferPointer<UInt8>) -> Int64? {
        var i = 0, negative = false
        if b.count > 0 && (b[0] == 0x2D || b[0] == 0x2B) { negative = b[0] == 0x2D; i = 1 }
        if i == b.count || b.count - i > 18 { return nil }
        var value: Int64 = 0
        while i < b.count {
            let d = b[i] &- 0x30
            if d > 9 { return nil }
            value = value &* 10 &+ Int64(d)
            i += 1
        }
        return negative ? -value : value
    }

    /// A timestamp that some files write as a float ("881250949.0"); must be integral.
    static func integralTimestamp(_ b: UnsafeBufferPointer<UInt8>) -> Int64? {
        if let v = int64(b) { return v }
        guard let d = double(b), d.rounded() == d, abs(d) < 9e15 else { return nil }
        return Int64(d)
    }

    /// A decimal number such as "4", "3.5", "-0.25"; exponents go through strtod.
    @inline(__always)
    static func double(_ b: UnsafeBufferPointer<UInt8>) -> Double? {
        var i = 0, negative = false
        if b.count > 0 && (b[0] == 0x2D || b[0] == 0x2B) { negative = b[0] == 0x2D; i = 1 }
        var mantissa: Int64 = 0, digits = 0, fractionDigits = 0, seenDot = false
        while i < b.count {
            let c = b[i]
            if c == 0x2E {
                if seenDot { return nil }
                seenDot = true
            } else {
                let d = c &- 0x30
                if d > 9 { return viaStrtod(b) }
                if digits >= 17 { return viaStrtod(b) }
                mantissa = mantissa * 10 + Int64(d)
                digits += 1
                if seenDot { fractionDigits += 1 }
            }
            i += 1
        }
        if digits == 0 { return nil }
        var v = Double(mantissa)
        if fractionDigits > 0 { v /= pow10[fractionDigits] }
        return negative ? -v : v
    }

    /// A rating as the events store it: a Float that is finite. `1e300` parses as a Double
    /// but is +inf as a Float, and would reach the model as inf.
    static func rating(_ d: Double?) -> Float? {
        guard let d, d.isFinite else { return nil }
        let f = Float(d)
        return f.isFinite ? f : nil
    }

    private static let pow10: [Double] = (0...17).map { pow(10.0, Double($0)) }

    private static func viaStrtod(_ b: UnsafeBufferPointer<UInt8>) -> Double? {
        guard b.count > 0, b.count < 64 else { return nil }
        var tmp = [CChar](repeating: 0, count: b.count + 1)
        for i in 0..<b.count { tmp[i] = CChar(bitPattern: b[i]) }
        var endPtr: UnsafeMutablePointer<CChar>?
        let v = tmp.withUnsafeMutableBufferPointer { p -> Double in
            strtod(p.baseAddress!, &endPtr)
        }
        let consumed = tmp.withUnsafeBufferPointer { p in endPtr.map { p.baseAddress!.distance(to: UnsafePointer($0)) } ?? 0 }
        guard consumed == b.count, v.isFinite else { return nil }
        return v
    }

    /// UTF-8 text, or nil naming nothing when the bytes are not valid UTF-8.
    static func utf8(_ b: UnsafeBufferPointer<UInt8>) -> String? {
        String(validating: b, as: UTF8.self)
    }

    /// Latin-1 (ISO-8859-1) text, as ml-1m writes titles. Copies that were re-encoded to
    /// UTF-8 are accepted as UTF-8. Returns nil for C0/C1 control bytes, which no title has
    /// and which mean the file is not text in either encoding.
    static func latin1(_ b: UnsafeBufferPointer<UInt8>) -> String? {
        if let s = utf8(b) { return s.unicodeScalars.contains { $0.value < 0x20 && $0 != "\t" } ? nil : s }
        var scalars = String.UnicodeScalarView()
        for byte in b {
            if byte < 0x20 && byte != 0x09 { return nil }
            if byte >= 0x7F && byte < 0xA0 { return nil }
            scalars.append(Unicode.Scalar(byte))
        }
        return String(scalars)
    }

    /// Offset of the first byte that breaks UTF-8, for error messages.
    static func firstInvalidUTF8Offset(_ b: UnsafeBufferPointer<UInt8>) -> Int {
        var lo = 0, hi = b.count
        // Binary search on the longest valid prefix (a valid prefix stays valid when cut at a
        // character boundary; good enough to point at the spot).
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if String(validating: UnsafeBufferPointer(rebasing: b[0..<mid]), as: UTF8.self) != nil { lo = mid } else { hi = mid - 1 }
            if hi - lo <= 4 { break }
        }
        return lo
    }
}
