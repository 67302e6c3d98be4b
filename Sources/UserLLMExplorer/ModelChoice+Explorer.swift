import UserLLM
import Explorer

extension ModelChoice {
    /// The explorer's id of this model's mode: "tp", "soft", "xattn", "xattn+perceiver",
    /// "soft+perceiver" (one model per mode; the strategy shows in the run, not the column).
    public var explorerModeID: String { "\(mode.rawValue)\(perceiver ? "+perceiver" : "")" }

    /// The task panel's column for this model. Titles fit the 80-column table's 12 cells.
    public var explorerMode: ModeDescriptor {
        let base: String
        switch mode {
        case .tp: base = "TP"
        case .soft: base = perceiver ? "Soft+P" : "Soft prompt"
        case .xattn: base = perceiver ? "Cross-attn+P" : "Cross-attn"
        }
        return ModeDescriptor(id: explorerModeID, title: base, isTextPrompt: mode == .tp,
                              hasCrossAttention: mode == .xattn, usesPerceiver: perceiver)
    }
}
