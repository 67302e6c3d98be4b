/// A run the explorer can show: its title-bar label and how to open its backend (called
/// on the runner's queue, never on the UI thread).
public struct RunOpening: Sendable {
    public var label: String
    public var open: @Sendable () throws -> ExplorerBackend

    public init(label: String, open: @escaping @Sendable () throws -> ExplorerBackend) {
        self.label = label
        self.open = open
    }
}
