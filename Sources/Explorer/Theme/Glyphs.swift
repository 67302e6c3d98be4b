/// The characters widgets draw with: Unicode box drawing and blocks, or plain ASCII
/// for terminals and fonts without them (`--ascii`).
public struct Glyphs: Sendable {
    public var horizontal: Character
    public var vertical: Character
    public var topLeft: Character
    public var topRight: Character
    public var bottomLeft: Character
    public var bottomRight: Character
    /// Bar fill, eighths from empty to full (index 0 = nothing, 8 = full cell).
    public var barEighths: [Character]
    /// Sparkline levels, lowest to highest.
    public var sparkLevels: [Character]
    /// Heat levels for terminals without colour, lowest to highest.
    public var shades: [Character]
    public var starFull: Character
    public var starEmpty: Character
    public var spinner: [String]
    public var cutMarker: String
    public var hit: String
    public var miss: String
    public var ellipsis: String
    public var arrowLeft: String
    public var arrowRight: String

    public static let unicode = Glyphs(
        horizontal: "─", vertical: "│", topLeft: "┌", topRight: "┐", bottomLeft: "└", bottomRight: "┘",
        barEighths: [" ", "▏", "▎", "▍", "▌", "▋", "▊", "▉", "█"],
        sparkLevels: ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"],
        shades: [" ", "░", "▒", "▓", "█"],
        starFull: "★", starEmpty: "☆",
        spinner: ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"],
        cutMarker: "▶", hit: "✓", miss: "✗", ellipsis: "…", arrowLeft: "←", arrowRight: "→")

    public static let ascii = Glyphs(
        horizontal: "-", vertical: "|", topLeft: "+", topRight: "+", bottomLeft: "+", bottomRight: "+",
        barEighths: [" ", " ", " ", "-", "-", "=", "=", "#", "#"],
        sparkLevels: ["_", ".", "-", "~", "=", "+", "*", "#"],
        shades: [" ", ".", ":", "*", "#"],
        starFull: "*", starEmpty: ".",
        spinner: ["|", "/", "-", "\\"],
        cutMarker: ">", hit: "+", miss: "x", ellipsis: "~", arrowLeft: "<-", arrowRight: "->")
}
