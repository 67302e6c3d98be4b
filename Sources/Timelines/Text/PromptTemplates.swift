import Foundation

/// The text-prompt (TP) templates. The defaults are compiled in and equal to the files in
/// `Assets/templates/` (a test keeps them equal); `load(from:)` reads edited copies.
/// Not `Bundle.module`: on Linux a bundle is a folder beside the executable that is lost
/// when the binary is copied or installed, and the explorer must still render prompts.
///
/// Placeholders: `{history}` (one event line per window event), `{item_noun}`
/// ("movie"/"product"/"place"), `{category_noun}` ("genre"/"category"), `{target_name}`
/// (review); in the event line `{name}`, `{categories}`, `{rating}`, `{date}`.
public struct PromptTemplates: Codable, Sendable, Equatable {
    public var event: String
    public var nextItem: String
    public var favoriteGenre: String
    public var review: String

    public init(event: String, nextItem: String, favoriteGenre: String, review: String) {
        self.event = event
        self.nextItem = nextItem
        self.favoriteGenre = favoriteGenre
        self.review = review
    }

    public static let defaults = PromptTemplates(
        event: "- {name} | {categories} | rated {rating} | {date}\n",
        nextItem: "A user's {item_noun} history, oldest first:\n{history}\nQuestion: which {item_noun} will this user rate next?\nAnswer:\n",
        favoriteGenre: "A user's {item_noun} history, oldest first:\n{history}\nQuestion: which {category_noun} occurs most often in this history?\nAnswer:\n",
        review: "A user's {item_noun} history, oldest first:\n{history}\nThe user now reviews {target_name}.\nQuestion: what does the user's review say?\nAnswer:\n")

    /// File names inside a templates folder.
    public static let fileNames: [TaskKind: String] = [.nextItem: "next-item.txt", .favoriteGenre: "favorite-genre.txt", .review: "review.txt"]
    public static let eventFileName = "event.txt"

    /// Reads `event.txt`, `next-item.txt`, `favorite-genre.txt`, `review.txt` from
    /// `directory`; a missing file keeps its default.
    public static func load(from directory: URL) throws -> PromptTemplates {
        func read(_ name: String, _ fallback: String) throws -> String {
            let url = directory.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: url.path) else { return fallback }
            return try String(contentsOf: url, encoding: .utf8)
        }
        let d = defaults
        return PromptTemplates(event: try read(eventFileName, d.event),
                               nextItem: try read(fileNames[.nextItem]!, d.nextItem),
                               favoriteGenre: try read(fileNames[.favoriteGenre]!, d.favoriteGenre),
                               review: try read(fileNames[.review]!, d.review))
    }

    public func question(_ task: TaskKind) -> String {
        switch task {
        case .nextItem: return nextItem
        case .favoriteGenre: return favoriteGenre
        case .review: return review
        }
    }
}
