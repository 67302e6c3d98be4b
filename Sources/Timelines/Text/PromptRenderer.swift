/// Writes an example's window as text for the TP baseline: one line per event (name,
/// categories, rating, date), then the task's question. Pure function of its inputs.
public struct PromptRenderer: Sendable {
    public let dataset: Dataset
    public let templates: PromptTemplates

    public init(dataset: Dataset, templates: PromptTemplates = .defaults) {
        self.dataset = dataset
        self.templates = templates
    }

    public var itemNoun: String {
        switch dataset.domain {
        case .movies: return "movie"
        case .products: return "product"
        case .places: return "place"
        }
    }

    /// The prompt for `example` (the answer is not included).
    public func render(_ example: Example, builder: ExampleBuilder) -> String {
        render(task: example.task, window: builder.windowEvents(example), target: builder.targetEvent(example))
    }

    /// The prompt for a window of dataset event indices and the target event index.
    public func render<C: Collection>(task: TaskKind, window: C, target: Int32?) -> String where C.Element == Int32 {
        var history = ""
        for e in window { history += eventLine(dataset.events[Int(e)]) }
        if history.hasSuffix("\n") { history.removeLast() }
        var values = ["history": history, "item_noun": itemNoun, "category_noun": dataset.domain.categoryFeature]
        if let t = target { values["target_name"] = dataset.items[Int(dataset.events[Int(t)].item)].name }
        return Self.fill(templates.question(task), values)
    }

    public func eventLine(_ event: Event) -> String {
        let item = dataset.items[Int(event.item)]
        return Self.fill(templates.event, [
            "name": item.name,
            "categories": item.categories.isEmpty ? "no \(dataset.domain.categoryFeature)" : item.categories.joined(separator: ", "),
            "rating": event.rating.map { FeatureVocabularies.ratingToken($0) + "/5" } ?? "no rating",
            "date": CivilDate.string(fromUnixSeconds: event.timestamp),
        ])
    }

    /// Replaces `{key}` by its value in one pass (values are never re-scanned, so a title
    /// containing "{name}" stays as written).
    static func fill(_ template: String, _ values: [String: String]) -> String {
        var out = ""
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            out += rest[..<open]
            let after = rest[rest.index(after: open)...]
            if let close = after.firstIndex(of: "}"), let v = values[String(after[..<close])] {
                out += v
                rest = after[after.index(after: close)...]
            } else {
                out += "{"
                rest = after
            }
        }
        out += rest
        return out
    }
}

/// UTC calendar dates without Foundation's formatters (fast, locale-free, deterministic).
public enum CivilDate {
    /// "1997-12-04" for 881250949.
    public static func string(fromUnixSeconds t: Int64) -> String {
        let days = t >= 0 ? t / 86400 : (t - 86399) / 86400
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        func pad(_ v: Int64, _ w: Int) -> String { let s = String(v); return String(repeating: "0", count: max(0, w - s.count)) + s }
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))"
    }
}
