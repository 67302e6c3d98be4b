/// The ranges command-line numbers must fall in, checked while the arguments are parsed
/// (each option's `transform:`) and shown in its `--help`. Values past them asked for 40 GB
/// (`--beams 100000`), terabytes (`--size 99999999999x2`), or silently did nothing
/// (`--limit -1` reported all zeros and wrote a file).
public enum OptionBounds {
    /// 256: a beam keeps a KV cache per layer; ten is what evaluation ranks.
    public static let beams = 1...256
    /// Users in a quick evaluation or benchmark.
    public static let users = 1...100_000_000
    /// A timeline position (the cut); the timeline's own length is checked later.
    public static let cut = 0...100_000_000
    /// Repeats and timed steps of a measurement.
    public static let repeats = 1...100_000
    /// History window in events (`RunConfigValidation.maximumLength`).
    public static var window: ClosedRange<Int> { 1...RunConfigValidation.maximumLength }
    /// Sampling: top-k tokens (a vocabulary's size at most).
    public static var topK: ClosedRange<Int> { 1...RunConfigValidation.maximumVocabulary }
    /// A snapshot's screen: 20×5 is the least a frame can draw, 2000×1000 more than any terminal.
    public static let screenWidth = 20...2000
    public static let screenHeight = 5...1000

    /// Why a value was refused, phrased for ArgumentParser's "The value 'x' is invalid for '--y'".
    public struct Refusal: Error, CustomStringConvertible {
        public var description: String
    }

    /// "1…256", as `--help` shows it.
    public static func text(_ range: ClosedRange<Int>) -> String { "\(range.lowerBound)…\(range.upperBound)" }

    /// Parses an integer within `range`, for `@Option(transform:)`.
    public static func int(_ range: ClosedRange<Int>) -> (String) throws -> Int {
        { argument in
            guard let value = Int(argument.trimmingCharacters(in: [" "])) else {
                throw Refusal(description: "not an integer (allowed: \(text(range)))")
            }
            guard range.contains(value) else { throw Refusal(description: "out of range (allowed: \(text(range)))") }
            return value
        }
    }

    /// Parses a finite number within `range` (`lowerExclusive`: the bound itself is refused).
    public static func float(_ range: ClosedRange<Float>, lowerExclusive: Bool = false) -> (String) throws -> Float {
        { argument in
            let low = lowerExclusive ? "(\(range.lowerBound)" : "[\(range.lowerBound)"
            guard let value = Float(argument), value.isFinite else {
                throw Refusal(description: "not a finite number (allowed: \(low), \(range.upperBound)])")
            }
            guard range.contains(value), !(lowerExclusive && value == range.lowerBound) else {
                throw Refusal(description: "out of range (allowed: \(low), \(range.upperBound)])")
            }
            return value
        }
    }

    /// "WIDTHxHEIGHT" within the screen bounds.
    public static func screenSize(_ argument: String) throws -> (width: Int, height: Int) {
        let parts = argument.lowercased().split(separator: "x", omittingEmptySubsequences: false)
        guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]) else {
            throw Refusal(description: "not WIDTHxHEIGHT, e.g. 80x24")
        }
        guard screenWidth.contains(w), screenHeight.contains(h) else {
            throw Refusal(description: "out of range (allowed: width \(text(screenWidth)), height \(text(screenHeight)))")
        }
        return (w, h)
    }
}
