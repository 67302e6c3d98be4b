import Foundation

/// A seeded generator (SplitMix64) so initialisation, dropout and sampling are
/// reproducible across runs and machines; Swift's SystemRandomNumberGenerator is not.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1) with 24 random bits, the precision of a Float.
    public mutating func nextUniform() -> Float {
        Float(next() >> 40) * (1.0 / Float(1 << 24))
    }

    /// Standard normal by Box-Muller (one value per call; simplicity over speed, it only
    /// runs at initialisation).
    public mutating func nextNormal() -> Float {
        let u1 = max(Double(next() >> 11) * (1.0 / Double(1 << 53)), .leastNonzeroMagnitude)
        let u2 = Double(next() >> 11) * (1.0 / Double(1 << 53))
        return Float((-2 * log(u1)).squareRoot() * cos(2 * .pi * u2))
    }
}

extension Tensor {
    /// Normal(0, std²) values from a seeded generator.
    public static func randn(_ shape: [Int], std: Float = 1, generator: inout SeededGenerator,
                             requiresGrad: Bool = false) -> Tensor {
        // std 0 is a constant: no draws (a pretrained model's 134M weights are about to be
        // overwritten), so the generator does not advance.
        let t = std == 0 ? Tensor.zeros(shape) : Tensor.empty(shape)
        if std != 0 { for i in 0..<t.count { t.pointer[i] = generator.nextNormal() * std } }
        t.requiresGrad = requiresGrad
        return t
    }

    /// Uniform values in [low, high) from a seeded generator.
    public static func uniform(_ shape: [Int], low: Float = 0, high: Float = 1,
                               generator: inout SeededGenerator, requiresGrad: Bool = false) -> Tensor {
        let t = Tensor.empty(shape)
        for i in 0..<t.count { t.pointer[i] = low + (high - low) * generator.nextUniform() }
        t.requiresGrad = requiresGrad
        return t
    }
}
