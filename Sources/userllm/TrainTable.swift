/// Plain-text tables for `userllm train`: left-aligned text, right-aligned numbers.
enum TrainTable {
    static func render(_ header: [String], _ rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = (0..<header.count).map { c in all.map { $0.count > c ? $0[c].count : 0 }.max() ?? 0 }
        func isNumber(_ s: String) -> Bool { !s.isEmpty && s.allSatisfy { "0123456789.,-".contains($0) } }
        func line(_ r: [String]) -> String {
            (0..<header.count).map { c in
                let s = c < r.count ? r[c] : ""
                let pad = String(repeating: " ", count: widths[c] - s.count)
                return isNumber(s) ? pad + s : s + pad
            }.joined(separator: "  ")
        }
        return ([line(header), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")] + rows.map(line))
            .joined(separator: "\n")
    }
}
