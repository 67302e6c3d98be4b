/// The attention view's selection: layer, head (nil = mean over heads), the hovered
/// column, and whether a Perceiver run shows latents.
public struct AttentionCursor: Equatable, Sendable {
    public var layer = 0
    public var head: Int? = nil
    public var column = 0
    public var perceiver = false
    public init() {}
}
