import Foundation
import Tensor

/// The arithmetic a trained model answers in. `bf16x3` (the default where the CPU has an
/// AMX tile unit): split bf16 values on the tile unit, ~1e-5 relative to f32 per product —
/// on a trained SmolLM2 run it scored f32's R@1/5/10 and NDCG on all 943 users, 20–25%
/// faster; `f32`: the AVX-512/AVX2 kernels (the default elsewhere, and what the README's
/// results tables were measured with); `bf16`: tile products in plain bf16, ~2e-3 relative,
/// fastest, and it changes some rankings. `USERLLM_PRECISION` (f32, bf16x3 or bf16) sets it
/// for any command; without a tile unit both tile precisions run as f32.
public enum InferencePrecision: String, CaseIterable, Codable, Sendable {
    case f32, bf16x3, bf16

    /// The tile precision, nil for f32 (or where the CPU has no tile unit).
    public var tile: TileMatrix.Precision? {
        guard TileMatrix.available else { return nil }
        switch self {
        case .f32: return nil
        case .bf16x3: return .bf16x3
        case .bf16: return .bf16
        }
    }

    /// What runs when asked for this one: tile precisions fall back to f32 without AMX.
    public var effective: InferencePrecision { tile == nil ? .f32 : self }

    /// `USERLLM_PRECISION` when set and valid, else bf16x3 (f32 without a tile unit).
    public static var standard: InferencePrecision {
        let raw = ProcessInfo.processInfo.environment["USERLLM_PRECISION"] ?? ""
        return (InferencePrecision(rawValue: raw) ?? .bf16x3).effective
    }
}
