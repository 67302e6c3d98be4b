/// The three USER-LLM tasks of DESIGN §3.
public enum TaskKind: String, CaseIterable, Codable, Sendable {
    /// Answer: the next item's name, e.g. "Toy Story (1995)".
    case nextItem = "next-item"
    /// Answer: the category occurring most often in the window, ties to the most recent.
    case favoriteGenre = "favorite-genre"
    /// Answer: the user's review text of the target item (datasets with review text only).
    case review
}

/// Which part of the leave-last-out split an example belongs to.
public enum SplitPart: String, CaseIterable, Codable, Sendable {
    case train, validation, test
}
