/// Plain-text result tables for the commands: left-aligned text, right-aligned numbers.
enum TextTable {
    static func render(_ header: [String], _ rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = (0..<header.count).map { c in all.map { $0.count > c ? $0[c].count : 0 }.max() ?? 0 }
        func isNumber(_ s: String) -> Bool { !s.isEmpty && s.allSatisfy { "0123456789.,%-".contains($0) } }
        func line(_ r: [String]) -> String {
            (0..<header.count).map { c in
                let s = c < r.count ? r[c] : ""
                let pad = String(repeating: " ", count: widths[c] - s.count)
                return isNumber(s) ? pad + s : s + pad
            }.joined(separator: "  ")
        }
        let rule = widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")
        return ([line(header), rule] + rows.map(line)).joined(separator: "\n")
    }

    /// The same table as GitHub markdown (for the README's results).
    static func markdown(_ header: [String], _ rows: [[String]]) -> String {
        func line(_ r: [String]) -> String { "| " + r.joined(separator: " | ") + " |" }
        return ([line(header), line(header.map { _ in "---" })] + rows.map(line)).joined(separator: "\n")
    }

    /// 1234567 -> "1,234,567".
    static func n(_ v: Int) -> String {
        let s = String(abs(v))
        var out = ""
        for (i, ch) in s.reversed().enumerated() {
            if i > 0 && i % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return (v < 0 ? "-" : "") + String(out.reversed())
    }
}
