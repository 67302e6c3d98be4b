import Timelines

/// The dataset as the explorer browses it: per-user timelines sorted by time and the
/// users-pane summaries, computed once at start-up.
public final class ExplorerData: @unchecked Sendable {
    public let dataset: Dataset
    /// Per user (index into `dataset.users`): indices into `dataset.events`, oldest first
    /// (stable: ties keep file order).
    public let timelines: [[Int32]]
    public let summaries: [UserSummary]
    /// Events before the cut that the models see (DESIGN §3 default window, 50).
    public let windowSize: Int
    /// Raw IDs are all integers (MovieLens), so sort by id numerically.
    private let numericIDs: Bool
    private var cachedOrder: (key: String, order: [Int32])?

    /// Demographic attributes shown first, in this order, where present.
    static let preferredAttributes = ["age", "gender", "occupation"]

    public init(dataset: Dataset, windowSize: Int = 50) {
        self.dataset = dataset
        self.windowSize = windowSize
        var perUser = Array(repeating: [Int32](), count: dataset.users.count)
        for (i, e) in dataset.events.enumerated() where Int(e.user) < perUser.count {
            perUser[Int(e.user)].append(Int32(i))
        }
        let events = dataset.events
        // Stable by construction: sort by (timestamp, file position).
        timelines = perUser.map { list in
            list.sorted { a, b in
                let ta = events[Int(a)].timestamp, tb = events[Int(b)].timestamp
                return ta != tb ? ta < tb : a < b
            }
        }
        // Top categories over category ids (not strings): this runs for every user at start-up.
        var categoryID: [String: Int] = [:]
        var categoryNames: [String] = []
        let itemCategories: [[Int]] = dataset.items.map { item in
            item.categories.map { c in
                if let id = categoryID[c] { return id }
                categoryID[c] = categoryNames.count
                categoryNames.append(c)
                return categoryNames.count - 1
            }
        }
        var count = [Int](repeating: 0, count: categoryNames.count)
        var lastEvent = [Int](repeating: -1, count: categoryNames.count)
        var lastPosition = [Int](repeating: 0, count: categoryNames.count)
        var sums: [UserSummary] = []
        sums.reserveCapacity(dataset.users.count)
        for (u, user) in dataset.users.enumerated() {
            var touched: [Int] = []
            for (i, e) in timelines[u].enumerated() {
                for (p, c) in itemCategories[Int(events[Int(e)].item)].enumerated() {
                    if count[c] == 0 { touched.append(c) }
                    count[c] += 1
                    lastEvent[c] = i
                    lastPosition[c] = p
                }
            }
            // Same rule as `mostFrequent`: most often; ties to the most recent event, then listed first.
            var best = -1
            for c in touched {
                if best < 0 || count[c] > count[best]
                    || (count[c] == count[best] && (lastEvent[c] > lastEvent[best] || (lastEvent[c] == lastEvent[best] && lastPosition[c] < lastPosition[best]))) {
                    best = c
                }
            }
            for c in touched { count[c] = 0 }
            let top = best >= 0 ? categoryNames[best] : ""
            var demo: [String] = []
            for k in ExplorerData.preferredAttributes { if let v = user.attributes[k] { demo.append(v) } }
            if demo.isEmpty {
                demo = user.attributes.keys.sorted().filter { !$0.lowercased().contains("zip") }.compactMap { user.attributes[$0] }
            }
            let search = ([user.rawID, top] + demo).joined(separator: " ").lowercased()
            sums.append(UserSummary(index: Int32(u), rawID: user.rawID, eventCount: timelines[u].count,
                                    topCategory: top, demographics: demo, searchText: search))
        }
        summaries = sums
        numericIDs = dataset.users.allSatisfy { Int($0.rawID) != nil }
    }

    /// The category occurring most often across `lists` (oldest first); ties go to the
    /// one seen most recently — the favourite-genre rule of DESIGN §3 — and, within that
    /// event, to the one listed first. Deterministic (no dictionary-order ties).
    public static func mostFrequent(_ lists: [[String]]) -> String? {
        var count: [String: Int] = [:]
        var last: [String: (event: Int, position: Int)] = [:]
        for (i, l) in lists.enumerated() {
            for (p, c) in l.enumerated() {
                count[c, default: 0] += 1
                last[c] = (i, p)
            }
        }
        var best: String?
        for (c, n) in count {
            guard let b = best else { best = c; continue }
            let nb = count[b]!
            let (lc, lb) = (last[c]!, last[b]!)
            if n > nb || (n == nb && (lc.event > lb.event || (lc.event == lb.event && lc.position < lb.position))) { best = c }
        }
        return best
    }

    /// Users passing `filter` (case-insensitive substring of id, demographics, top
    /// category), in `sort` order. Memoised for the last (filter, sort).
    public func visibleUsers(filter: String, sort: UserSort) -> [Int32] {
        let key = "\(sort.rawValue)\u{0}\(filter)"
        if let c = cachedOrder, c.key == key { return c.order }
        let f = filter.lowercased()
        var list = summaries.filter { f.isEmpty || $0.searchText.contains(f) }
        switch sort {
        case .id:
            if numericIDs { list.sort { Int($0.rawID)! < Int($1.rawID)! } } else { list.sort { $0.rawID < $1.rawID } }
        case .length:
            list.sort { $0.eventCount != $1.eventCount ? $0.eventCount > $1.eventCount : $0.index < $1.index }
        }
        let order = list.map(\.index)
        cachedOrder = (key, order)
        return order
    }

    /// The event at position `position` of `user`'s timeline.
    public func event(user: Int32, position: Int) -> Event {
        dataset.events[Int(timelines[Int(user)][position])]
    }

    public func item(of event: Event) -> Item { dataset.items[Int(event.item)] }

    /// The query for `task` with the cut at `cut` of `user`'s timeline, or nil when the
    /// user has too few events (the cut needs one event before it).
    public func query(user: Int32, cut: Int, task: ExplorerTask, topK: Int = 5) -> TaskQuery? {
        let line = timelines[Int(user)]
        guard cut >= 1, cut < line.count else { return nil }
        let history = Array(line[max(0, cut - windowSize)..<cut]).map(Int.init)
        let target = Int(line[cut])
        let expected: String
        switch task {
        case .nextItem:
            expected = dataset.items[Int(dataset.events[target].item)].name
        case .favoriteGenre:
            expected = ExplorerData.mostFrequent(history.map { dataset.items[Int(dataset.events[$0].item)].categories }) ?? ""
        case .review:
            expected = dataset.events[target].text ?? ""
        }
        return TaskQuery(user: user, cut: cut, task: task, history: history, target: target, expected: expected, topK: topK)
    }
}
