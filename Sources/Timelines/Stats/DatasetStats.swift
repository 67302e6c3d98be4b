/// The numbers `userllm data stats` prints: sizes, vocabularies, timeline lengths,
/// rating and category histograms, and what the load skipped.
public struct DatasetStats: Codable, Sendable {
    public struct Distribution: Codable, Sendable {
        public var min: Int, p10: Int, median: Int, p90: Int, max: Int
        public var mean: Double
        /// (lower bound of a bucket, users): buckets 1, 2-4, 5-9, 10-19, 20-49, 50-99, ...
        public var buckets: [Bucket]
    }
    public struct Bucket: Codable, Sendable {
        public var from: Int, to: Int, count: Int
    }
    public struct Count: Codable, Sendable {
        public var value: String, count: Int
    }

    public var name: String
    public var format: String?
    public var domain: String
    public var users: Int
    public var items: Int
    /// Items with at least one event (≤ items: a catalogue may list unrated items).
    public var itemsWithEvents: Int
    public var events: Int
    public var eventsWithText: Int
    public var firstEvent: String?
    public var lastEvent: String?
    /// Feature name → vocabulary size including PAD and UNK.
    public var vocabularySizes: [String: Int]
    public var timelineLength: Distribution?
    public var ratings: [Count]
    /// Categories by number of events (most first), at most `topCategories`.
    public var categories: [Count]
    public var distinctCategories: Int
    public var skipped: Int
    public var issues: [String]
    public var notes: [String]

    public init(dataset ds: Dataset, topCategories: Int = 25) {
        name = ds.name
        format = ds.format?.rawValue
        domain = ds.domain.rawValue
        users = ds.users.count
        items = ds.items.count
        events = ds.events.count
        var perUser = [Int](repeating: 0, count: ds.users.count)
        var perItem = [Int](repeating: 0, count: ds.items.count)
        var ratingCount: [Float: Int] = [:]
        var unrated = 0, withText = 0
        var minT = Int64.max, maxT = Int64.min
        for e in ds.events {
            perUser[Int(e.user)] += 1
            perItem[Int(e.item)] += 1
            if let r = e.rating { ratingCount[r, default: 0] += 1 } else { unrated += 1 }
            if let t = e.text, !t.isEmpty { withText += 1 }
            minT = Swift.min(minT, e.timestamp)
            maxT = Swift.max(maxT, e.timestamp)
        }
        eventsWithText = withText
        itemsWithEvents = perItem.filter { $0 > 0 }.count
        firstEvent = ds.events.isEmpty ? nil : CivilDate.string(fromUnixSeconds: minT)
        lastEvent = ds.events.isEmpty ? nil : CivilDate.string(fromUnixSeconds: maxT)
        let vocab = FeatureVocabularies(dataset: ds)
        vocabularySizes = Dictionary(uniqueKeysWithValues: vocab.all.map { ($0.feature, $0.count) })
        ratings = ratingCount.sorted { $0.key < $1.key }.map { Count(value: FeatureVocabularies.ratingToken($0.key), count: $0.value) }
        if unrated > 0 { ratings.append(Count(value: "none", count: unrated)) }
        var categoryCount: [String: Int] = [:]
        for (i, item) in ds.items.enumerated() where perItem[i] > 0 {
            for c in Set(item.categories) { categoryCount[c, default: 0] += perItem[i] }
        }
        distinctCategories = Set(ds.items.flatMap(\.categories)).count
        categories = categoryCount.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .prefix(topCategories).map { Count(value: $0.key, count: $0.value) }
        let lengths = perUser.filter { $0 > 0 }.sorted()
        timelineLength = lengths.isEmpty ? nil : Self.distribution(lengths)
        skipped = ds.report.skipped
        issues = ds.report.issues.map(\.description)
        notes = ds.report.notes
    }

    static func distribution(_ sorted: [Int]) -> Distribution {
        func q(_ p: Double) -> Int { sorted[Swift.min(sorted.count - 1, Int(p * Double(sorted.count - 1) + 0.5))] }
        var bounds = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000]
        while let last = bounds.last, last <= sorted.last! { bounds.append(last * 10) }
        var buckets: [Bucket] = []
        for k in 0..<(bounds.count - 1) {
            let lo = bounds[k], hi = bounds[k + 1] - 1
            let c = sorted.filter { $0 >= lo && $0 <= hi }.count
            if c > 0 { buckets.append(Bucket(from: lo, to: hi, count: c)) }
        }
        return Distribution(min: sorted.first!, p10: q(0.1), median: q(0.5), p90: q(0.9), max: sorted.last!,
                            mean: Double(sorted.reduce(0, +)) / Double(sorted.count), buckets: buckets)
    }
}
