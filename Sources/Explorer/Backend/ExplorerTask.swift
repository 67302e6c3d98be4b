import Timelines

/// The three user tasks (DESIGN §3), in tab order.
public enum ExplorerTask: String, Sendable, CaseIterable, Hashable, Codable {
    case nextItem = "next-item"
    case favoriteGenre = "favorite-genre"
    case review

    /// Tab label; `domain` words it for the dataset ("genre" vs "category").
    public func title(for domain: Domain) -> String {
        switch self {
        case .nextItem: return "next item"
        case .favoriteGenre: return "favourite \(domain.categoryFeature)"
        case .review: return "review"
        }
    }
}
