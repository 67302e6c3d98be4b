import Timelines

/// A dataset's events as encoder feature IDs (vocabulary IDs, PAD = 0), looked up once so
/// that building a batch is array reads rather than string hashing.
public struct EventFeatures: Sendable {
    public let vocabularies: FeatureVocabularies
    /// Per dataset item index: its item ID.
    public let itemIDs: [Int32]
    /// Per dataset item index: its distinct category IDs in listed order (never PAD).
    public let categoryIDs: [[Int32]]
    /// Per dataset event index: its item (dataset item index).
    public let eventItems: [Int32]
    /// Per dataset event index: its rating ID (PAD when the event has no rating).
    public let ratingIDs: [Int32]
    /// Per item ID: the dataset item index it names, −1 for PAD, UNK and IDs absent from
    /// this dataset (a vocabulary saved from another load).
    public let itemIndexByID: [Int32]
    /// The most categories any item has (≥ 1: a batch always has a category slot).
    public let maxCategories: Int

    /// `vocabularies`: a run's saved ones, or nil to build them from the dataset.
    public init(dataset: Dataset, vocabularies: FeatureVocabularies? = nil) {
        let vocab = vocabularies ?? FeatureVocabularies(dataset: dataset)
        self.vocabularies = vocab
        let (items, categories) = vocab.encodeItems(of: dataset)
        itemIDs = items
        categoryIDs = categories.map { ids in
            var distinct: [Int32] = []
            for id in ids where id != Vocabulary.pad && !distinct.contains(id) { distinct.append(id) }
            return distinct
        }
        maxCategories = max(1, categoryIDs.map(\.count).max() ?? 1)
        eventItems = dataset.events.map(\.item)
        // Ratings take few values: one string lookup per distinct value, not per event.
        var byValue: [Float: Int32] = [:]
        ratingIDs = dataset.events.map { e in
            guard let r = e.rating else { return Vocabulary.pad }
            if let id = byValue[r] { return id }
            let id = vocab.ratingID(r)
            byValue[r] = id
            return id
        }
        var index = [Int32](repeating: -1, count: vocab.item.count)
        for (i, id) in items.enumerated() where id > Vocabulary.unk && index[Int(id)] < 0 { index[Int(id)] = Int32(i) }
        itemIndexByID = index
    }

    public var itemVocabularySize: Int { vocabularies.item.count }
    public var categoryVocabularySize: Int { vocabularies.category.count }
    public var ratingVocabularySize: Int { vocabularies.rating.count }
}
