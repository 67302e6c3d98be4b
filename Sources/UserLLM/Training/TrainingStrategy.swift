/// What finetuning trains and what it freezes — the paper's four strategies (DESIGN §4).
///
/// "LLM" means the pretrained decoder: token embedding, self-attention, MLPs and norms.
/// "Fusion" means what connects the encoder to it: the projection, the Perceiver and, for
/// `xattn`, every layer's gated cross-attention (its norm, projections and gate) — those are
/// new at finetuning, so no strategy freezes them.
public enum TrainingStrategy: String, Codable, CaseIterable, Sendable {
    /// Everything trains.
    case full
    /// The LLM frozen with LoRA adapters on its self-attention (the adapters train); encoder
    /// and fusion train.
    case lora
    /// The LLM frozen; encoder and fusion train.
    case enc
    /// The LLM and the encoder frozen; only fusion trains.
    case proj
    /// Nothing trains: TP's baseline of asking the LLM as it is (for a pretrained instruct
    /// model, the first thing a user would try). TP only: an embedding mode's fusion is new
    /// and would be untrained.
    case zeroShot = "zeroshot"

    /// TP has no encoder and no fusion, so only `full`, `lora` and `zeroshot` mean anything
    /// there; `zeroshot` means nothing for the embedding modes.
    public func isValid(for mode: FusionMode) -> Bool {
        mode.usesEncoder ? self != .zeroShot : (self == .full || self == .lora || self == .zeroShot)
    }

    public var trainsLLM: Bool { self == .full }
    public var trainsEncoder: Bool { self != .proj && self != .zeroShot }
    public var addsLoRA: Bool { self == .lora }
}
