import Foundation
import Tensor

/// The arithmetic a trained model answers in. `f32` (the default): the AVX-512/AVX2 kernels,
/// what every table in the README was measured with; `bf16x3`: the AMX tile unit with split
/// bf16 values, ~1e-5 relative to f32 per product; `bf16`: tile products in plain bf16,
/// ~2e-3 relative, fastest. `USERLLM_PRECISION` (f32, bf16x3 or bf16) sets it for any
/// command; where the CPU has no tile unit both tile precisions run as f32.
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

    /// `USERLLM_PRECISION` when set and valid, else f32.
    public static var standard: InferencePrecision {
        let raw = ProcessInfo.processInfo.environment["USERLLM_PRECISION"] ?? ""
        return (InferencePrecision(rawValue: raw) ?? .f32).effective
    }
}
