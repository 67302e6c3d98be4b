import UserLLM
import Explorer

extension ModelChoice {
    /// The explorer's id of this model's mode: "tp", "tp-zeroshot", "soft", "xattn",
    /// "xattn+perceiver", "soft+perceiver". One model per mode (the strategy shows in the
    /// run, not the column), except that TP's zero-shot baseline — the LLM asked as it is —
    /// is a column of its own beside finetuned TP: they answer differently by design.
    public var explorerModeID: String {
        "\(mode.rawValue)\(perceiver ? "+perceiver" : "")\(strategy == .zeroShot ? "-zeroshot" : "")"
    }

    /// The task panel's column for this model. Titles fit the 80-column table's 12 cells.
    public var explorerMode: ModeDescriptor {
        let base: String
        switch mode {
        case .tp: base = strategy == .zeroShot ? "TP 0-shot" : "TP"
        case .soft: base = perceiver ? "Soft+P" : "Soft prompt"
        case .xattn: base = perceiver ? "Cross-attn+P" : "Cross-attn"
        }
        return ModeDescriptor(id: explorerModeID, title: base, isTextPrompt: mode == .tp,
                              hasCrossAttention: mode == .xattn, usesPerceiver: perceiver)
    }
}
