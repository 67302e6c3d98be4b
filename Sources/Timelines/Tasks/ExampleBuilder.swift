/// Cuts task examples from a dataset's timelines (DESIGN §3) and answers the questions
/// evaluation asks about them (DESIGN §5: history masking, most-popular baseline).
public final class ExampleBuilder: @unchecked Sendable {
    public let dataset: Dataset
    public let timelines: Timelines
    public let split: LeaveLastOutSplit
    public let config: ExampleConfig
    /// Per item, its distinct categories as dense IDs (in listed order); names by ID.
    /// Counting ints instead of hashing Strings makes favourite-genre ~20x faster.
    private let itemCategories: [[Int32]]
    private let categoryNames: [String]

    public init(dataset: Dataset, timelines: Timelines? = nil, config: ExampleConfig = ExampleConfig()) {
        self.dataset = dataset
        self.timelines = timelines ?? Timelines(dataset: dataset)
        self.split = LeaveLastOutSplit(timelines: self.timelines)
        self.config = config
        var ids: [String: Int32] = [:]
        var names: [String] = []
        itemCategories = dataset.items.map { item in
            var list: [Int32] = []
            for c in item.categories {
                let id = ids[c] ?? { let n = Int32(names.count); ids[c] = n; names.append(c); return n }()
                if !list.contains(id) { list.append(id) }
            }
            return list
        }
        categoryNames = names
    }

    /// Whether the dataset can pose the task at all.
    public func supports(_ task: TaskKind) -> Bool {
        switch task {
        case .nextItem: return !dataset.events.isEmpty
        case .favoriteGenre: return dataset.items.contains { !$0.categories.isEmpty }
        case .review: return dataset.hasReviewText
        }
    }

    /// Every example of `task` in `part`. Windows hold up to `windowLength` events before
    /// the target. `review` skips targets without text; `favorite-genre` skips windows
    /// whose items have no category. Training examples are shuffled by the seed.
    public func examples(_ task: TaskKind, _ part: SplitPart) -> [Example] {
        var out: [Example] = []
        var scratch = [Int32](repeating: 0, count: categoryNames.count)
        let n = config.windowLength
        for u in 0..<Int32(timelines.count) {
            let timeline = timelines[u]
            for t in split.targets(part, user: u) {
                let start = max(0, t - n)
                let answer: String?
                if task == .favoriteGenre {
                    answer = favoriteCategory(timeline.events[start..<t], counts: &scratch)
                } else {
                    answer = self.answer(task, timeline: timeline, windowStart: start, target: t)
                }
                guard let answer else { continue }
                out.append(Example(task: task, part: part, user: u, windowStart: Int32(start), target: Int32(t), answer: answer))
            }
        }
        if part == .train && config.shuffleTraining {
            var rng = ShuffleGenerator(seed: config.seed)
            out.shuffle(using: &rng)
        }
        return out
    }

    private func answer(_ task: TaskKind, timeline: Timeline, windowStart: Int, target: Int) -> String? {
        switch task {
        case .nextItem:
            return dataset.items[Int(dataset.events[Int(timeline.events[target])].item)].name
        case .review:
            let text = dataset.events[Int(timeline.events[target])].text ?? ""
            return text.isEmpty ? nil : text
        case .favoriteGenre:
            return favoriteCategory(timeline.events[windowStart..<target])
        }
    }

    /// The category occurring in most events of the window (each event counts a category
    /// once). Ties go to the category seen most recently; within one event, to the one
    /// listed first. nil when no event in the window has a category.
    public func favoriteCategory(_ window: ArraySlice<Int32>) -> String? {
        var scratch = [Int32](repeating: 0, count: categoryNames.count)
        return favoriteCategory(window, counts: &scratch)
    }

    /// `counts` must be all zeros and `categoryNames.count` long; it is zero again on return.
    private func favoriteCategory(_ window: ArraySlice<Int32>, counts: inout [Int32]) -> String? {
        var best: Int32 = -1, bestCount: Int32 = 0
        // Walking oldest → newest, a category that reaches or passes the best count is the
        // most recent among those tied at that count. Within one event the categories are
        // visited last-listed first, so the first-listed one wins a tie inside the event.
        dataset.events.withUnsafeBufferPointer { events in
            for e in window {
                for c in itemCategories[Int(events[Int(e)].item)].reversed() {
                    counts[Int(c)] += 1
                    if counts[Int(c)] >= bestCount { best = c; bestCount = counts[Int(c)] }
                }
            }
            for e in window { for c in itemCategories[Int(events[Int(e)].item)] { counts[Int(c)] = 0 } }
        }
        return best >= 0 ? categoryNames[Int(best)] : nil
    }

    /// Dataset event indices of the example's window, oldest first.
    public func windowEvents(_ example: Example) -> ArraySlice<Int32> {
        timelines[example.user].events[example.window]
    }

    /// The dataset event index of the example's target.
    public func targetEvent(_ example: Example) -> Int32 {
        timelines[example.user].events[Int(example.target)]
    }

    /// Every item the user rated before the target — the whole history, not only the
    /// window — which full-catalogue ranking masks (DESIGN §5).
    public func itemsRatedBefore(_ example: Example) -> Set<Int32> {
        Set(timelines[example.user].events[0..<Int(example.target)].map { dataset.events[Int($0)].item })
    }

    /// Events per item (by dataset item index) over the training part of every timeline:
    /// the most-popular baseline's scores. Validation and test targets are not counted.
    public func trainingItemPopularity() -> [Int] {
        var counts = [Int](repeating: 0, count: dataset.items.count)
        for u in 0..<Int32(timelines.count) {
            for e in timelines[u].events.prefix(split.trainingCount(u)) { counts[Int(dataset.events[Int(e)].item)] += 1 }
        }
        return counts
    }

    /// Review texts of the training part (the LLM's text-pretraining corpus must not see
    /// validation or test reviews).
    public func trainingReviewTexts() -> [String] {
        var out: [String] = []
        for u in 0..<Int32(timelines.count) {
            for e in timelines[u].events.prefix(split.trainingCount(u)) {
                if let t = dataset.events[Int(e)].text, !t.isEmpty { out.append(t) }
            }
        }
        return out
    }
}
