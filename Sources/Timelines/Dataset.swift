/// One loaded dataset: its users, its catalogue and every event, in file order.
///
/// This is the contract between the loaders (which fill it), the splits and tasks
/// (which read it) and the explorer (which browses it). Indices (`Int32`) are
/// positions in `users` / `items`; the raw IDs of the source files are kept beside them.
public final class Dataset: @unchecked Sendable {
    /// Short name such as "movielens-100k" or "amazon-gift-cards".
    public let name: String
    public let domain: Domain
    public let users: [User]
    public let items: [Item]
    /// Every accepted event in the order the files listed them; `Timeline`s sort by time.
    public let events: [Event]
    /// What the loader skipped and why (file, line, reason); empty for a clean load.
    public let report: LoadReport
    /// The file format it was read from; nil for datasets built in memory.
    public let format: DatasetFormat?
    /// The folder it was read from; nil for datasets built in memory.
    public let directory: String?

    public init(name: String, domain: Domain, users: [User], items: [Item], events: [Event], report: LoadReport,
                format: DatasetFormat? = nil, directory: String? = nil) {
        self.format = format
        self.directory = directory
        self.name = name
        self.domain = domain
        self.users = users
        self.items = items
        self.events = events
        self.report = report
    }

    /// True where events carry review text, which the `review` task needs.
    public var hasReviewText: Bool { events.contains { ($0.text ?? "").isEmpty == false } }
}

/// The kind of catalogue; it decides the words used in prompts and the category feature's name.
public enum Domain: String, Codable, Sendable, CaseIterable {
    case movies      // MovieLens: items are movies, categories are genres
    case products    // Amazon: items are products, categories are categories
    case places      // Google Local: items are places, categories are place categories

    /// Its plural, for headings ("genres", "categories").
    public var categoryFeaturePlural: String {
        switch self {
        case .movies: return "genres"
        case .products, .places: return "categories"
        }
    }

    /// The name of the multi-valued category feature ("genre" for movies).
    public var categoryFeature: String {
        switch self {
        case .movies: return "genre"
        case .products, .places: return "category"
        }
    }
}

public struct User: Sendable, Hashable {
    /// The ID as written in the source file.
    public var rawID: String
    /// Demographics where the dataset has them (MovieLens-100K: age, gender, occupation, zip).
    public var attributes: [String: String]

    public init(rawID: String, attributes: [String: String] = [:]) {
        self.rawID = rawID
        self.attributes = attributes
    }
}

public struct Item: Sendable, Hashable {
    /// The ID as written in the source file (MovieLens movieId, Amazon asin, gmap_id).
    public var rawID: String
    /// Display name, e.g. "Toy Story (1995)"; the answer text of the next-item task.
    public var name: String
    /// Genres or categories, in source order; may be empty.
    public var categories: [String]
    /// Further attributes kept for display (year, brand, price, ...).
    public var attributes: [String: String]

    public init(rawID: String, name: String, categories: [String] = [], attributes: [String: String] = [:]) {
        self.rawID = rawID
        self.name = name
        self.categories = categories
        self.attributes = attributes
    }
}

public struct Event: Sendable, Hashable {
    /// Index into `Dataset.users`.
    public var user: Int32
    /// Index into `Dataset.items`.
    public var item: Int32
    /// The rating as given (MovieLens 0.5-5, Amazon/Google 1-5); nil where the source had none.
    public var rating: Float?
    /// Seconds since the Unix epoch (Google Local's milliseconds are converted).
    public var timestamp: Int64
    /// Review text and summary where the dataset has them.
    public var text: String?
    public var summary: String?

    public init(user: Int32, item: Int32, rating: Float?, timestamp: Int64, text: String? = nil, summary: String? = nil) {
        self.user = user
        self.item = item
        self.rating = rating
        self.timestamp = timestamp
        self.text = text
        self.summary = summary
    }
}

/// One malformed input found while loading: where it is and why it was refused.
public struct LoadIssue: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var reason: String
    public init(file: String, line: Int, reason: String) {
        self.file = file
        self.line = line
        // A backstop: the loaders quote file text through `Excerpt`, but a reason must never
        // carry a whole 10 MB field to the terminal, nor an invisible control character.
        self.reason = reason.utf8.count > Self.reasonLimit || reason.unicodeScalars.contains { $0.value < 0x20 }
            ? Excerpt.visible(reason, limit: Self.reasonLimit) : reason
    }

    /// The longest reason kept whole (characters).
    static let reasonLimit = 600
    public var description: String { "\(file):\(line): \(reason)" }
}

/// What a lenient load skipped: the count, and the first issues in full.
public struct LoadReport: Sendable {
    public var skipped: Int
    /// The first issues (capped so a broken 20M-line file does not fill memory).
    public var issues: [LoadIssue]
    /// Things worth knowing that are not errors (e.g. "48 duplicate meta lines merged").
    public var notes: [String] = []
    public init(skipped: Int = 0, issues: [LoadIssue] = [], notes: [String] = []) {
        self.skipped = skipped
        self.issues = issues
        self.notes = notes
    }
}
