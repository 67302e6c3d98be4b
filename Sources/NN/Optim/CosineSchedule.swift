import Foundation

/// Learning rate per step: linear warmup, then a half cosine down to a floor (nanoGPT's
/// `get_lr`):
///
///   step < warmup:            peak · (step + 1) / warmup
///   warmup ≤ step < total:    floor + ½(1 + cos(π · (step − warmup) / (total − warmup))) · (peak − floor)
///   step ≥ total:             floor
public struct CosineSchedule: Codable, Equatable, Sendable {
    public var peak: Float
    public var floor: Float
    public var warmupSteps: Int
    public var totalSteps: Int

    /// floor defaults to peak / 10 (Chinchilla / nanoGPT: min_lr ≈ lr / 10).
    public init(peak: Float, floor: Float? = nil, warmupSteps: Int, totalSteps: Int) {
        self.peak = peak
        self.floor = floor ?? peak / 10
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
    }

    public func learningRate(at step: Int) -> Float {
        if step < warmupSteps { return peak * Float(step + 1) / Float(warmupSteps) }
        if step >= totalSteps { return floor }
        let progress = Double(step - warmupSteps) / Double(max(1, totalSteps - warmupSteps))
        let coefficient = 0.5 * (1 + cos(Double.pi * progress))
        return floor + Float(coefficient) * (peak - floor)
    }
}
