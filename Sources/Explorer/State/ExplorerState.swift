/// Everything the screen shows that input can change. A value: `apply` returns the
/// next state, so key sequences are testable without a terminal.
public struct ExplorerState: Equatable, Sendable {
    public var width: Int
    public var height: Int
    public var focus: Pane = .users
    public var detail: DetailView = .tasks
    public var task: ExplorerTask = .nextItem
    public var sort: UserSort = .id
    public var filter = ""
    public var editingFilter = false
    /// Index into `Dataset.users` of the selected user (nil: the filter matches nobody).
    public var selectedUser: Int32?
    public var userOffset = 0
    /// Position in the selected user's timeline of the target; events before it form the window.
    public var cut = 0
    public var timelineCursor = 0
    public var timelineOffset = 0
    public var attention = AttentionCursor()
    /// Layers and heads of the run's cross-attention, so `[ ] + -` wrap correctly (0 = unknown).
    public var attentionLayers = 0
    public var attentionHeads = 0
    /// History events or latents in the current attention map (for column hovering).
    public var attentionColumns = 0
    public var showHelp = false
    /// First help line shown (the overlay scrolls with ↑↓ on small terminals).
    public var helpScroll = 0
    /// The full training screen covers the explorer (while a run trains in the background).
    public var showTraining = false
    /// `B` was pressed: the session opens the other backbone's run (a state value cannot).
    public var wantsOtherBackbone = false
    /// A one-off status-line message (why `B` did nothing); the next key clears it.
    public var notice: String?
    public var quit = false

    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }

    public var layout: ScreenLayout { ScreenLayout(width: width, height: height, detail: detail) }

    /// Where key bindings are looked up first.
    public var keyContext: KeyContext {
        if focus == .detail && detail == .attention { return .attention }
        if focus == .timeline { return .timeline }
        return .global
    }
}
