/// What the users pane shows for one user.
public struct UserSummary: Sendable, Hashable {
    /// Index into `Dataset.users`.
    public var index: Int32
    public var rawID: String
    public var eventCount: Int
    /// The category occurring most often in the user's whole history (ties: most recent).
    public var topCategory: String
    /// Demographics in display order, e.g. ["24", "M", "technician"]; empty where the dataset has none.
    public var demographics: [String]
    /// Lower-cased text the `/` filter matches against.
    public var searchText: String
}
