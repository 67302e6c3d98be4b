import Timelines

extension Predictor {
    public struct ExampleError: Error, CustomStringConvertible {
        public var description: String
    }

    /// The example of `task` for `user` (dataset index) whose target is timeline position
    /// `cut` (default: the test target, the last event); the window is the
    /// `windowLength` events before it.
    public func example(user: Int32, task: TaskKind, cut: Int? = nil) throws -> Example {
        try Self.example(builder: builder, user: user, task: task, cut: cut)
    }

    /// `example(user:task:cut:)` for any builder (the encoder alone has no Predictor).
    public static func example(builder: ExampleBuilder, user: Int32, task: TaskKind, cut: Int? = nil) throws -> Example {
        guard user >= 0 && Int(user) < builder.timelines.count else {
            throw ExampleError(description: "no user \(user) (the dataset has \(builder.timelines.count))")
        }
        let timeline = builder.timelines[user]
        let target = cut ?? (timeline.count - 1)
        guard target >= 1 && target < timeline.count else {
            throw ExampleError(description: "cut \(target) must be in 1..<\(timeline.count) for a user with \(timeline.count) events")
        }
        let start = max(0, target - builder.config.windowLength)
        let dataset = builder.dataset
        let event = dataset.events[Int(timeline.events[target])]
        let answer: String?
        switch task {
        case .nextItem: answer = dataset.items[Int(event.item)].name
        case .favoriteGenre: answer = builder.favoriteCategory(timeline.events[start..<target])
        case .review: answer = (event.text ?? "").isEmpty ? nil : event.text
        }
        guard let answer else {
            throw ExampleError(description: task == .review ? "event \(target) of user \(user) has no review text"
                                                            : "no event before \(target) has a category")
        }
        let part: SplitPart = target == timeline.count - 1 ? .test : target == timeline.count - 2 ? .validation : .train
        return Example(task: task, part: part, user: user, windowStart: Int32(start), target: Int32(target), answer: answer)
    }
}
