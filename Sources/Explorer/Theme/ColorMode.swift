/// What the terminal can show; chosen from the terminal's capabilities at start-up
/// (`COLORS`), or forced by `--colors`.
public enum ColorMode: String, Sendable, CaseIterable {
    case xterm256 = "256"
    case ansi8 = "8"
    case monochrome = "mono"
}
