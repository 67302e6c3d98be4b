/// Display formatting shared by the views; no Foundation formatters, so output is the
/// same in every locale (golden renders compare exactly).
public enum Format {
    /// "1997-12-04" for seconds since the epoch (UTC).
    public static func date(_ seconds: Int64) -> String {
        var days = seconds / 86_400
        if seconds < 0 && seconds % 86_400 != 0 { days -= 1 }
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return "\(y)-\(m < 10 ? "0" : "")\(m)-\(d < 10 ? "0" : "")\(d)"
    }

    /// Five stars for a 0–5 rating (half stars as ½); "" when there is no rating.
    public static func stars(_ rating: Float?, glyphs: Glyphs) -> String {
        guard let r = rating, r.isFinite else { return "" }
        let halves = Int((min(5, max(0, r)) * 2).rounded())
        var s = String(repeating: glyphs.starFull, count: halves / 2)
        if halves % 2 == 1 { s += glyphs.starFull == "*" ? "+" : "½" }
        return s + String(repeating: glyphs.starEmpty, count: 5 - (halves + 1) / 2)
    }

    /// "1,234,567".
    public static func grouped(_ n: Int) -> String {
        let s = String(abs(n))
        var out = ""
        for (i, c) in s.enumerated() {
            if i > 0 && (s.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    /// A value with `digits` decimals, without Foundation's locale.
    public static func fixed(_ v: Double, _ digits: Int) -> String {
        guard v.isFinite else { return "–" }
        var p = 1.0
        for _ in 0..<digits { p *= 10 }
        let scaled = Int64((abs(v) * p).rounded())
        let whole = scaled / Int64(p)
        let frac = scaled % Int64(p)
        var f = String(frac)
        while f.count < digits { f = "0" + f }
        return (v < 0 && scaled != 0 ? "-" : "") + String(whole) + (digits > 0 ? "." + f : "")
    }

    /// "12.3 ms", "1.24 s".
    public static func seconds(_ s: Double) -> String {
        s < 1 ? fixed(s * 1000, s < 0.1 ? 1 : 0) + " ms" : fixed(s, 2) + " s"
    }

    /// "3.2 GFLOP", "410 MFLOP".
    public static func flops(_ f: Double) -> String {
        let units: [(Double, String)] = [(1e15, "PFLOP"), (1e12, "TFLOP"), (1e9, "GFLOP"), (1e6, "MFLOP"), (1e3, "kFLOP")]
        for (scale, name) in units where f >= scale { return fixed(f / scale, f / scale < 10 ? 1 : 0) + " " + name }
        return fixed(f, 0) + " FLOP"
    }

    /// "12.3×" (ASCII "12.3x").
    public static func ratio(_ r: Double, ascii: Bool) -> String { fixed(r, r < 10 ? 1 : 0) + (ascii ? "x" : "×") }

    /// Words of `text` wrapped to lines of at most `width` columns.
    public static func wrap(_ text: String, width: Int) -> [String] {
        guard width > 0 else { return [] }
        var lines: [String] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = ""
            for word in paragraph.split(separator: " ") {
                let w = String(word)
                if line.isEmpty { line = DisplayWidth.truncate(w, to: width) }
                else if DisplayWidth.of(line) + 1 + DisplayWidth.of(w) <= width { line += " " + w }
                else { lines.append(line); line = DisplayWidth.truncate(w, to: width) }
            }
            lines.append(line)
        }
        return lines
    }
}
