/// How a user's history reaches the LLM (DESIGN §4).
public enum FusionMode: String, Codable, CaseIterable, Sendable {
    /// The history written as text into the prompt; no user encoder.
    case tp
    /// Projected user embeddings prepended to the token embeddings (a soft prompt).
    case soft
    /// Gated cross-attention from every LLM layer to the projected user embeddings.
    case xattn

    /// Whether the mode runs the user encoder.
    public var usesEncoder: Bool { self != .tp }
}
