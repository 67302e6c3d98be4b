/// One way of giving the model the user's history (DESIGN §4 fusion modes).
public struct ModeDescriptor: Hashable, Sendable {
    /// Stable id: "tp", "soft", "xattn", "xattn+perceiver", "soft+perceiver".
    public var id: String
    /// Column heading, e.g. "TP", "Soft prompt", "Cross-attn + Perceiver".
    public var title: String
    /// The text-prompt baseline: run after the embedding modes, and the numerator of
    /// the TP ÷ cross-attention ratios.
    public var isTextPrompt: Bool
    /// Has cross-attention weights the attention view can show.
    public var hasCrossAttention: Bool
    /// Compresses the history to Perceiver latents (the attention view can then show
    /// text → latents and latents → events).
    public var usesPerceiver: Bool
    /// The tasks this mode answers (nil: every task the run has). The encoder alone only
    /// ranks next items.
    public var tasks: Set<ExplorerTask>?

    public init(id: String, title: String, isTextPrompt: Bool = false, hasCrossAttention: Bool = false, usesPerceiver: Bool = false,
                tasks: Set<ExplorerTask>? = nil) {
        self.tasks = tasks
        self.id = id
        self.title = title
        self.isTextPrompt = isTextPrompt
        self.hasCrossAttention = hasCrossAttention
        self.usesPerceiver = usesPerceiver
    }
}

extension ModeDescriptor {
    public func answers(_ task: ExplorerTask) -> Bool { tasks?.contains(task) ?? true }
}
