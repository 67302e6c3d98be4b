import Foundation

/// The event features of DESIGN §3 and their vocabularies: item, category (genre for
/// movies; multi-valued), rating. Built from the whole catalogue in dataset order, so IDs
/// are stable for a given dataset; save them with a run and pass them back on reload.
public struct FeatureVocabularies: Codable, Sendable, Equatable {
    public var item: Vocabulary
    public var category: Vocabulary
    public var rating: Vocabulary

    public init(item: Vocabulary, category: Vocabulary, rating: Vocabulary) {
        self.item = item
        self.category = category
        self.rating = rating
    }

    /// Items in catalogue order (by raw ID), categories in first-seen order over the
    /// catalogue, ratings sorted numerically ("0.5" ... "5").
    public init(dataset: Dataset) {
        item = Vocabulary(feature: "item", tokens: dataset.items.map(\.rawID))
        category = Vocabulary(feature: dataset.domain.categoryFeature, tokens: dataset.items.lazy.flatMap(\.categories))
        let ratings = Set(dataset.events.lazy.compactMap(\.rating)).sorted()
        rating = Vocabulary(feature: "rating", tokens: ratings.map(Self.ratingToken))
    }

    public var all: [Vocabulary] { [item, category, rating] }

    /// "4" for 4.0, "3.5" for 3.5: the rating's token.
    public static func ratingToken(_ r: Float) -> String {
        r == r.rounded() && abs(r) < 1e6 ? String(Int(r)) : String(r)
    }

    /// Per dataset item index: its item ID and category IDs (UNK where the vocabulary
    /// came from another load and lacks the value).
    public func encodeItems(of dataset: Dataset) -> (items: [Int32], categories: [[Int32]]) {
        let items = dataset.items.map { item.id($0.rawID) }
        let cats = dataset.items.map { $0.categories.map { category.id($0) } }
        return (items, cats)
    }

    /// The rating's ID; PAD when the event has no rating.
    public func ratingID(_ r: Float?) -> Int32 {
        guard let r else { return Vocabulary.pad }
        return rating.id(Self.ratingToken(r))
    }

    /// Saves to `<directory>/vocab-<feature>.json` (each file atomically). The item
    /// vocabulary goes last: readers take `vocab-item.json` as the sign that the set is
    /// there (the explorer opens a run while its first stage is still writing it).
    public func save(to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for v in [category, rating, item] { try v.save(to: directory.appendingPathComponent("vocab-\(v.feature).json")) }
    }

    public static func load(from directory: URL, domain: Domain) throws -> FeatureVocabularies {
        func one(_ f: String) throws -> Vocabulary { try Vocabulary.load(from: directory.appendingPathComponent("vocab-\(f).json")) }
        return FeatureVocabularies(item: try one("item"), category: try one(domain.categoryFeature), rating: try one("rating"))
    }
}
