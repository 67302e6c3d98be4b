import Foundation

/// Floating-point operations of a forward pass, split by how exactly they are known.
///
/// Conventions (every count in `FLOPs` follows them):
/// - `matmul`: dense products, exact — an (m, k) × (k, n) product is 2·m·n·k (one multiply
///   and one add per term). Linear layers, the tied output head, cross-attention K/V
///   projections. A bias adds m·n.
/// - `attention`: QKᵀ and P·V, exact as the kernels run them — 2·Dh per computed score
///   each, per (batch, head). Causal attention runs in blocks of 64 query rows, each scoring
///   every key its last row sees, so it counts those blocks (masked scores inside a block
///   included), not the triangle (see `FLOPs.attention`).
///
/// `matmul` and `attention` are checked against `FLOPCounter`, which adds up the products
/// the engine runs, for one forward of every mode (FLOPCountingTests): they are equal.
/// - `approximate`: element-wise work, by a documented per-element cost (see `FLOPs`):
///   softmax 5 per score, RMSNorm 4 and LayerNorm 7 per element, RoPE 3, SiLU 4, GELU (tanh)
///   8, residual adds and products 1, gate tanh·x 1. Lookups (embeddings) and copies are 0.
public struct FLOPCount: Codable, Equatable, Sendable, CustomStringConvertible {
    public var matmul: Int = 0
    public var attention: Int = 0
    public var approximate: Int = 0

    public init(matmul: Int = 0, attention: Int = 0, approximate: Int = 0) {
        self.matmul = matmul
        self.attention = attention
        self.approximate = approximate
    }

    public static let zero = FLOPCount()

    public var total: Int { matmul + attention + approximate }

    public static func + (a: FLOPCount, b: FLOPCount) -> FLOPCount {
        FLOPCount(matmul: a.matmul + b.matmul, attention: a.attention + b.attention,
                  approximate: a.approximate + b.approximate)
    }

    public static func += (a: inout FLOPCount, b: FLOPCount) { a = a + b }

    public static func * (a: FLOPCount, n: Int) -> FLOPCount {
        FLOPCount(matmul: a.matmul * n, attention: a.attention * n, approximate: a.approximate * n)
    }

    /// "1.23 GFLOP" style.
    public var description: String { FLOPCount.format(total) }

    public static func format(_ flops: Int) -> String { format(Double(flops)) }

    public static func format(_ flops: Double) -> String {
        let units: [(Double, String)] = [(1e12, "TFLOP"), (1e9, "GFLOP"), (1e6, "MFLOP"), (1e3, "kFLOP")]
        for (scale, name) in units where abs(flops) >= scale {
            return String(format: "%.2f %@", flops / scale, name)
        }
        return String(format: "%.0f FLOP", flops)
    }
}
