import Foundation

/// The five model variants the efficiency benchmarks compare (issue 5), by their names:
/// "tp", "soft", "soft+perceiver", "xattn", "xattn+perceiver". Every one trains `full`
/// here: the strategy changes which weights learn, not what a forward pass costs.
public enum CostVariants {
    public static let all: [ModelChoice] = [
        ModelChoice(mode: .tp), ModelChoice(mode: .soft), ModelChoice(mode: .soft, perceiver: true),
        ModelChoice(mode: .xattn), ModelChoice(mode: .xattn, perceiver: true),
    ]

    /// "xattn+perceiver": the mode and the Perceiver, without the strategy.
    public static func name(_ choice: ModelChoice) -> String {
        choice.mode.rawValue + (choice.perceiver ? "+perceiver" : "")
    }

    /// A comma-separated list of variant names, in the order given.
    public static func parse(_ list: String) throws -> [ModelChoice] {
        try list.split(separator: ",").map { raw in
            let name = raw.trimmingCharacters(in: .whitespaces)
            guard let choice = all.first(where: { self.name($0) == name }) else {
                throw RunError.invalidOptions("unknown mode '\(name)': use \(all.map(self.name).joined(separator: ", "))")
            }
            return choice
        }
    }

    /// A comma-separated list of positive integers (history lengths).
    public static func parseLengths(_ list: String) throws -> [Int] {
        try list.split(separator: ",").map { raw in
            guard let n = Int(raw.trimmingCharacters(in: .whitespaces)), n > 0 else {
                throw RunError.invalidOptions("history lengths must be positive integers, got '\(raw)'")
            }
            return n
        }
    }
}
