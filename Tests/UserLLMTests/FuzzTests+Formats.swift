import Foundation

extension FuzzTests {
    /// Readers beyond the built-in list: the hook where a format added later (GGUF) joins
    /// the fuzzer — a `Target` with its fixture's bytes and its reader.
    static func extraTargets(_ fixtures: URL) -> [Target] { [] }
}
