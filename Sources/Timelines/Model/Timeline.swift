/// One user's events sorted by time. Ties keep file order (the sort key is
/// (timestamp, position in the file)), which matters: Amazon timestamps are whole days.
public struct Timeline: Sendable, Hashable {
    public let user: Int32
    /// Indices into `Dataset.events`, oldest first.
    public let events: [Int32]

    public init(user: Int32, events: [Int32]) {
        self.user = user
        self.events = events
    }

    public var count: Int { events.count }
}

/// Every user's timeline, indexed by user index, with lookup by raw user ID.
public struct Timelines: Sendable {
    /// timelines[u] is user u's timeline (empty for users without events).
    public let all: [Timeline]
    private let userByRawID: [String: Int32]

    public init(dataset: Dataset) {
        let userCount = dataset.users.count
        // Counting sort by user keeps file order within a user; then a sort by time that
        // breaks ties on the file index, so the result is stable by construction.
        var counts = [Int](repeating: 0, count: userCount + 1)
        for e in dataset.events { counts[Int(e.user) + 1] += 1 }
        for u in 0..<userCount { counts[u + 1] += counts[u] }
        var order = [Int32](repeating: 0, count: dataset.events.count)
        var next = counts
        for (i, e) in dataset.events.enumerated() {
            order[next[Int(e.user)]] = Int32(i)
            next[Int(e.user)] += 1
        }
        var result: [Timeline] = []
        result.reserveCapacity(userCount)
        // Sort (timestamp, file index) pairs gathered once per user: comparing through
        // `dataset.events` would miss the cache on every comparison (20M events: 16 s → ~2 s).
        var keyed: [(Int64, Int32)] = []
        dataset.events.withUnsafeBufferPointer { events in
            for u in 0..<userCount {
                keyed.removeAll(keepingCapacity: true)
                for i in order[counts[u]..<counts[u + 1]] { keyed.append((events[Int(i)].timestamp, i)) }
                keyed.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
                result.append(Timeline(user: Int32(u), events: keyed.map(\.1)))
            }
        }
        all = result
        var lookup: [String: Int32] = [:]
        for (i, u) in dataset.users.enumerated() { lookup[u.rawID] = Int32(i) }
        userByRawID = lookup
    }

    public subscript(user: Int32) -> Timeline { all[Int(user)] }

    public func timeline(rawUserID: String) -> Timeline? { userByRawID[rawUserID].map { all[Int($0)] } }

    public var count: Int { all.count }
}
