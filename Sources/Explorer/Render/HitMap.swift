/// Where the last frame drew clickable things, for mouse input.
public struct HitMap: Equatable, Sendable {
    public var taskTabs: [(ExplorerTask, Rect)] = []
    public var heatmap: Heatmap.Placement?
    public var heatmapRows: Range<Int> = 0..<0
    public init() {}

    public static func == (a: HitMap, b: HitMap) -> Bool {
        a.taskTabs.map(\.0) == b.taskTabs.map(\.0) && a.taskTabs.map(\.1) == b.taskTabs.map(\.1)
            && a.heatmap == b.heatmap && a.heatmapRows == b.heatmapRows
    }
}
