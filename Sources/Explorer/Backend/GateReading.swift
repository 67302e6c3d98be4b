import Foundation

/// One cross-attention layer's gate: `h += tanh(α) · CrossAttn(norm(h), U)`.
public struct GateReading: Hashable, Sendable {
    /// LLM layer index (0-based).
    public var layer: Int
    /// The trained scalar α (initialised to 0).
    public var alpha: Float

    public init(layer: Int, alpha: Float) {
        self.layer = layer
        self.alpha = alpha
    }

    public var tanhAlpha: Float { Float(tanh(Double(alpha))) }
}
