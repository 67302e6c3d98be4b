import Timelines

/// Windows of events as the encoder's input: feature IDs laid out (B, M) with padding at
/// the END of each row (MODEL_PLAN), the real length per row, and — for pretraining — the
/// next event's features at every position.
///
/// Targets shift by one within the user's timeline: position i of a window start..<end
/// targets timeline position start + i + 1, so the last position targets `end`, the event
/// after the window (a task example's target). Padding is PAD (0) everywhere.
public struct EventBatch: Sendable {
    /// One event per (row, position).
    public struct Features: Sendable, Equatable {
        /// (B, M)
        public var itemIDs: [Int32]
        /// (B, M, C): the event's distinct categories, then PAD.
        public var categoryIDs: [Int32]
        /// (B, M): how many of the C slots are real (0 for padding and uncategorised items).
        public var categoryCounts: [Int32]
        /// (B, M)
        public var ratingIDs: [Int32]

        public init(itemIDs: [Int32], categoryIDs: [Int32], categoryCounts: [Int32], ratingIDs: [Int32]) {
            self.itemIDs = itemIDs
            self.categoryIDs = categoryIDs
            self.categoryCounts = categoryCounts
            self.ratingIDs = ratingIDs
        }
    }

    /// The windows the rows came from (empty for a batch assembled from raw IDs).
    public let windows: [EventWindow]
    /// B
    public var batchSize: Int { lengths.count }
    /// M: the longest window (or the length asked for).
    public let length: Int
    /// C: category slots per event.
    public let maxCategories: Int
    /// Real events per row.
    public let lengths: [Int]
    public let inputs: Features
    /// Next-event features per position; nil unless asked for.
    public let targets: Features?

    /// `length`: pad every row to it (default the longest window). `withTargets`: also the
    /// next events' features (a window ending at its timeline's end gets PAD as last target).
    public init(windows: [EventWindow], timelines: Timelines, features: EventFeatures, withTargets: Bool = false,
                length: Int? = nil) {
        precondition(!windows.isEmpty, "an event batch needs at least one window")
        let m = length ?? windows.map(\.count).max()!
        precondition(windows.allSatisfy { $0.count >= 1 && $0.count <= m },
                     "event batch: window lengths \(windows.map(\.count)) must lie in 1...\(m)")
        self.windows = windows
        self.length = m
        maxCategories = features.maxCategories
        lengths = windows.map(\.count)
        let c = maxCategories
        func gather(_ positions: (EventWindow) -> Range<Int>) -> Features {
            var f = Features(itemIDs: [Int32](repeating: Vocabulary.pad, count: windows.count * m),
                             categoryIDs: [Int32](repeating: Vocabulary.pad, count: windows.count * m * c),
                             categoryCounts: [Int32](repeating: 0, count: windows.count * m),
                             ratingIDs: [Int32](repeating: Vocabulary.pad, count: windows.count * m))
            for (b, w) in windows.enumerated() {
                let events = timelines[w.user].events
                for (i, p) in positions(w).enumerated() where p < events.count {
                    let e = Int(events[p]), item = Int(features.eventItems[e])
                    let slot = b * m + i
                    f.itemIDs[slot] = features.itemIDs[item]
                    f.ratingIDs[slot] = features.ratingIDs[e]
                    let cats = features.categoryIDs[item]
                    f.categoryCounts[slot] = Int32(cats.count)
                    for (j, id) in cats.enumerated() { f.categoryIDs[slot * c + j] = id }
                }
            }
            return f
        }
        inputs = gather { $0.start..<$0.end }
        targets = withTargets ? gather { ($0.start + 1)..<($0.end + 1) } : nil
    }

    /// A batch from raw feature IDs (tests, synthetic inputs); shapes as documented above.
    public init(inputs: Features, targets: Features? = nil, lengths: [Int], length: Int, maxCategories: Int) {
        let n = lengths.count * length
        for f in [inputs] + (targets.map { [$0] } ?? []) {
            precondition(f.itemIDs.count == n && f.ratingIDs.count == n && f.categoryCounts.count == n
                         && f.categoryIDs.count == n * maxCategories,
                         "event batch features do not fit (B, M, C) = (\(lengths.count), \(length), \(maxCategories))")
        }
        precondition(lengths.allSatisfy { $0 >= 1 && $0 <= length }, "event batch lengths \(lengths) must lie in 1...\(length)")
        windows = []
        self.length = length
        self.maxCategories = maxCategories
        self.lengths = lengths
        self.inputs = inputs
        self.targets = targets
    }

    /// The windows of task examples (their targets are the events after the windows).
    public init(examples: [Example], builder: ExampleBuilder, features: EventFeatures, withTargets: Bool = false,
                length: Int? = nil) {
        self.init(windows: examples.map(EventWindow.init), timelines: builder.timelines, features: features,
                  withTargets: withTargets, length: length)
    }
}
