/// A progress bar of exactly `width` cells for a fraction in [0, 1], with eighth-cell precision.
public enum ProgressBar {
    public static func render(_ fraction: Double, width: Int, glyphs: Glyphs) -> String {
        guard width > 0 else { return "" }
        let f = fraction.isFinite ? min(1, max(0, fraction)) : 0
        let eighths = Int((f * Double(width * 8)).rounded())
        return BarChart.segment(from: 0, to: eighths, width: width, glyphs: glyphs, leftAligned: true)
    }
}
