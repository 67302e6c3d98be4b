/// A one-line chart of a series (e.g. a loss curve), the last `width` values.
public enum Sparkline {
    public static func render(_ values: [Double], width: Int, glyphs: Glyphs) -> String {
        let tail = values.suffix(max(0, width)).filter(\.isFinite)
        guard let lo = tail.min(), let hi = tail.max() else { return "" }
        let levels = glyphs.sparkLevels
        let span = hi - lo
        return String(tail.map { v -> Character in
            let t = span > 0 ? (v - lo) / span : 0.5
            return levels[Int((t * Double(levels.count - 1)).rounded())]
        })
    }
}
