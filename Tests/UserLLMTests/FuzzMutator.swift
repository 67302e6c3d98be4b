import Foundation

/// Mutates a file's bytes the way a careless user or an attacker would: one change per
/// input, chosen by a seeded generator so that any input the fuzzer tries can be made
/// again from (seed, iteration).
struct FuzzMutator {
    /// The classes of change; each fuzz input gets one.
    enum Kind: String, CaseIterable {
        case bitFlip, truncate, duplicate, fieldSwap, deepNesting, hugeNumber, lineEndings, controlBytes, longField
    }

    private var state: UInt64

    init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }

    /// SplitMix64: small, fast and the same on every platform.
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(next() % UInt64(n)) }

    mutating func pick<T>(_ xs: [T]) -> T { xs[below(xs.count)] }

    /// `bytes` with one change of `kind`.
    mutating func mutate(_ bytes: [UInt8], _ kind: Kind) -> [UInt8] {
        var b = bytes
        switch kind {
        case .bitFlip:
            guard !b.isEmpty else { return [UInt8(truncatingIfNeeded: next())] }
            for _ in 0...below(8) { b[below(b.count)] ^= UInt8(1) << UInt8(below(8)) }
        case .truncate:
            b = Array(b.prefix(below(b.count + 1)))
        case .duplicate:
            // A slice copied elsewhere: often a whole line or record given twice.
            guard !b.isEmpty else { return b }
            let start = below(b.count), length = 1 + below(min(b.count - start, 400))
            let chunk = b[start..<(start + length)]
            let times = below(4) == 0 ? 200 : 1
            let at = below(b.count + 1)
            b.insert(contentsOf: Array(repeating: Array(chunk), count: times).joined(), at: at)
        case .fieldSwap:
            // Two fields or lines exchanged: split at separators, swap two pieces.
            let separators: Set<UInt8> = [0x0A, 0x2C, 0x09, 0x3A, 0x7C, 0x20]   // \n , \t : | space
            var pieces: [[UInt8]] = [[]]
            for c in b {
                pieces[pieces.count - 1].append(c)
                if separators.contains(c) { pieces.append([]) }
            }
            guard pieces.count > 2 else { return b }
            let i = below(pieces.count), j = below(pieces.count)
            pieces.swapAt(i, j)
            b = Array(pieces.joined())
        case .deepNesting:
            let depth = pick([70, 1_000, 40_000, 100_000])
            let open = pick(["[", "{\"a\":", "(", "{"])
            let close = open == "[" ? "]" : (open == "(" ? ")" : "}")
            let at = below(b.count + 1)
            let balanced = below(2) == 0
            var inserted = Array(String(repeating: open, count: depth).utf8)
            if balanced { inserted += Array(("0" + String(repeating: close, count: depth)).utf8) }
            b.insert(contentsOf: inserted, at: at)
        case .hugeNumber:
            let replacement = Array(pick(["1e300", "-1e300", "99999999999999999999999", "-1", "0", "nan", "inf", "-inf",
                                          "NaN", "Infinity", "2147483646", "9223372036854775807", "1e15", "-0",
                                          "4.9e-324", "1" + String(repeating: "0", count: 400)]).utf8)
            // Replace a run of digits (a number) when there is one, else insert.
            let digits = b.indices.filter { (0x30...0x39).contains(b[$0]) }
            if let start = digits.isEmpty ? nil : pick(digits) {
                var end = start
                while end < b.count, (0x30...0x39).contains(b[end]) || b[end] == 0x2E { end += 1 }
                b.replaceSubrange(start..<end, with: replacement)
            } else {
                b.insert(contentsOf: replacement, at: below(b.count + 1))
            }
        case .lineEndings:
            switch below(4) {
            case 0: b = b.map { $0 == 0x0A ? 0x0D : $0 }                          // CR only
            case 1: b = Array(b.map { $0 == 0x0A ? [0x0D, 0x0A] : [$0] }.joined())   // CRLF
            case 2: b = [0xEF, 0xBB, 0xBF] + b                                      // BOM
            default: b.removeAll { $0 == 0x0A }                                     // one line
            }
        case .controlBytes:
            for _ in 0...below(6) {
                b.insert(pick([0x00, 0x0D, 0x1B, 0x7F, 0xFF, 0xC3, 0xEF, 0x22, 0x27, 0x5C]), at: below(b.count + 1))
            }
        case .longField:
            b.insert(contentsOf: Array(repeating: UInt8(ascii: pick(["x", "9", "a"])), count: pick([5_000, 300_000])),
                     at: below(b.count + 1))
        }
        return b
    }
}
