/// Which items make up batch s: epochs of a seeded permutation, so batch s is a function of
/// (seed, s) alone and a resumed stage sees the batches an uninterrupted one would.
public struct BatchOrder: Sendable {
    public let count: Int
    public let batchSize: Int
    public let seed: UInt64

    public init(count: Int, batchSize: Int, seed: UInt64) {
        precondition(count > 0 && batchSize > 0, "nothing to batch")
        self.count = count
        self.batchSize = batchSize
        self.seed = seed
    }

    /// Item indices of batch `step` (wrapping into the next epoch's permutation).
    public func indices(step: Int) -> [Int] {
        var out: [Int] = []
        out.reserveCapacity(batchSize)
        var position = step * batchSize
        var cachedEpoch = -1
        var permutation: [Int] = []
        while out.count < batchSize {
            let epoch = position / count
            if epoch != cachedEpoch {
                permutation = Self.permutation(count, seed: seed &+ UInt64(epoch) &* 0x9E37_79B9_7F4A_7C15)
                cachedEpoch = epoch
            }
            out.append(permutation[position % count])
            position += 1
        }
        return out
    }

    /// Fisher–Yates with SplitMix64.
    static func permutation(_ n: Int, seed: UInt64) -> [Int] {
        var state = seed
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        var p = Array(0..<n)
        if n < 2 { return p }
        for i in stride(from: n - 1, to: 0, by: -1) {
            let j = Int(next() % UInt64(i + 1))
            p.swapAt(i, j)
        }
        return p
    }
}
