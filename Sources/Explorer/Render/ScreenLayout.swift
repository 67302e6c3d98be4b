/// Where each pane goes for a terminal size. 80×24 is the smallest comfortable size;
/// at 160×48 panes gain columns (demographics, genres) and the task modes sit side by side.
public struct ScreenLayout: Equatable, Sendable {
    /// Below this the screen only says it is too small.
    public static let minimumWidth = 60
    public static let minimumHeight = 16

    public var width: Int
    public var height: Int
    public var titleBar: Rect
    public var users: Rect
    public var timeline: Rect
    public var detail: Rect
    public var statusBar: Rect
    public var tooSmall: Bool

    public init(width: Int, height: Int, detail view: DetailView) {
        self.width = width
        self.height = height
        tooSmall = width < ScreenLayout.minimumWidth || height < ScreenLayout.minimumHeight
        titleBar = Rect(x: 0, y: 0, width: width, height: 1)
        statusBar = Rect(x: 0, y: max(0, height - 1), width: width, height: 1)
        let body = Rect(x: 0, y: 1, width: width, height: max(0, height - 2))
        // The users list needs ~24 columns for id, events and top genre; demographics
        // join from 100 columns on.
        let usersWidth = width < 100 ? 24 : (width < 140 ? 36 : 44)
        let (left, right) = body.splitLeft(usersWidth)
        users = left
        // The attention heatmap wants rows; the timeline keeps enough for context.
        let timelineHeight = view == .attention ? max(7, body.height / 3) : max(8, body.height * 9 / 20)
        let (top, bottom) = right.splitTop(timelineHeight)
        timeline = top
        detail = bottom
    }

    /// Rows of a table inside a framed pane (frame and header excluded).
    public static func tableRows(_ pane: Rect) -> Int { max(1, pane.height - 3) }

    public func rect(of pane: Pane) -> Rect {
        switch pane {
        case .users: return users
        case .timeline: return timeline
        case .detail: return detail
        }
    }
}
