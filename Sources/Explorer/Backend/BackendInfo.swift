/// What a loaded run offers the explorer; read once when the backend opens.
public struct BackendInfo: Sendable {
    /// The run directory's name, shown in the title bar.
    public var runName: String
    /// The preset it was trained with ("tiny", "small", "base").
    public var preset: String
    /// The modes the run has, in the order they should run: fast embedding modes first.
    /// (The explorer also moves text-prompt modes last.)
    public var modes: [ModeDescriptor]
    /// Tasks the run was finetuned for; other tabs say the run lacks them.
    public var tasks: Set<ExplorerTask>
    /// Cross-attention layers and heads (0 when the run has no cross-attention).
    public var crossAttentionLayers: Int
    public var crossAttentionHeads: Int

    public init(runName: String, preset: String, modes: [ModeDescriptor], tasks: Set<ExplorerTask>,
                crossAttentionLayers: Int, crossAttentionHeads: Int) {
        self.runName = runName
        self.preset = preset
        self.modes = modes
        self.tasks = tasks
        self.crossAttentionLayers = crossAttentionLayers
        self.crossAttentionHeads = crossAttentionHeads
    }
}
