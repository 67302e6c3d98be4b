/// What a loaded run offers the explorer; read once when the backend opens.
public struct BackendInfo: Sendable {
    /// The run directory's name, shown in the title bar.
    public var runName: String
    /// The preset it was trained with ("tiny", "small", "base", "smol").
    public var preset: String
    /// The pretrained LLM the run is built on, as its makers name it ("SmolLM2-135M-Instruct"),
    /// shown in the title bar; nil: the run trained its own LLM from scratch.
    public var backbone: String?
    /// The modes the run has, in the order they should run: fast embedding modes first.
    /// (The explorer also moves text-prompt modes last.)
    public var modes: [ModeDescriptor]
    /// Tasks the run was finetuned for; other tabs say the run lacks them.
    public var tasks: Set<ExplorerTask>
    /// The LLM layers (0-based indices) that have cross-attention, in order: every layer
    /// of the small models, every k-th of a pretrained one (0, 3, 6, … for k = 3); empty
    /// when the run has no cross-attention. The attention view's layer keys step through
    /// these.
    public var crossAttentionLayers: [Int]
    public var crossAttentionHeads: Int

    public init(runName: String, preset: String, backbone: String? = nil, modes: [ModeDescriptor], tasks: Set<ExplorerTask>,
                crossAttentionLayers: [Int], crossAttentionHeads: Int) {
        self.runName = runName
        self.preset = preset
        self.backbone = backbone
        self.modes = modes
        self.tasks = tasks
        self.crossAttentionLayers = crossAttentionLayers
        self.crossAttentionHeads = crossAttentionHeads
    }
}
