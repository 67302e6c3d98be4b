import Foundation

/// Google Local 2021 (UCSD): `review-<state>[_10].json(.gz)` (user_id, gmap_id, rating,
/// text, time in milliseconds) and `meta-<state>.json(.gz)` (gmap_id, name, category).
/// The meta file is the catalogue (a state's places); its duplicate lines are merged.
struct GoogleLocalLoader {
    let directory: String
    let context: LoadContext
    let assembly: DatasetAssembly

    init(directory: String, context: LoadContext, into assembly: DatasetAssembly) {
        self.directory = directory
        self.context = context
        self.assembly = assembly
    }

    func load() throws {
        let names = try DatasetFormat.listFiles(URL(fileURLWithPath: directory)).filter(DatasetFormat.isJSONLines)
        let metas = names.filter { $0.hasPrefix("meta-") }
        let reviews = names.filter { $0.hasPrefix("review-") }
        for m in metas { try readMeta(directory + "/" + m) }
        if reviews.isEmpty { context.note("no review-*.json file: catalogue only, no users or events") }
        for r in reviews { try readReviews(directory + "/" + r, catalogue: !metas.isEmpty) }
    }

    private func readMeta(_ path: String) throws {
        let file = fileName(path)
        var duplicates = 0
        try context.readLines(path) { line, n in
            if line.isEmpty { return }
            let obj: [String: Any]
            do { obj = try JSONLine.object(line, allowPythonLiteral: false) } catch {
                return try context.refuse(file, n, "\(error)")
            }
            guard let id = obj["gmap_id"] as? String, !id.isEmpty else { return try context.refuse(file, n, "missing gmap_id") }
            let name = (obj["name"] as? String).flatMap { $0.isEmpty ? nil : $0 } ?? id
            var categories: [String] = []
            for c in (obj["category"] as? [Any]) ?? [] {
                if let s = c as? String, !s.isEmpty, !categories.contains(s) { categories.append(s) }
            }
            var attributes: [String: String] = [:]
            for key in ["address", "price", "avg_rating", "num_of_reviews"] {
                if let v = JSONLine.string(obj[key]), !v.isEmpty { attributes[key] = v }
            }
            if assembly.addItem(rawID: id, name: name, categories: categories, attributes: attributes) == nil { duplicates += 1 }
        }
        if duplicates > 0 { context.note("\(file): \(duplicates) duplicate gmap_id lines merged") }
    }

    private func readReviews(_ path: String, catalogue: Bool) throws {
        let file = fileName(path)
        context.eventFiles.append(file)
        try context.readLines(path) { line, n in
            if line.isEmpty { return }
            let obj: [String: Any]
            do { obj = try JSONLine.object(line, allowPythonLiteral: false) } catch {
                return try context.refuse(file, n, "\(error)")
            }
            guard let userRaw = JSONLine.string(obj["user_id"]), !userRaw.isEmpty else { return try context.refuse(file, n, "missing user_id") }
            guard let place = obj["gmap_id"] as? String, !place.isEmpty else { return try context.refuse(file, n, "missing gmap_id") }
            guard let ms = JSONLine.number(obj["time"]).flatMap({ Int64(exactly: $0.rounded()) }) else {
                return try context.refuse(file, n, "missing or non-numeric time")
            }
            var rating: Float?
            if !JSONLine.isNull(obj["rating"]) {
                guard let r = ByteParsing.rating(JSONLine.number(obj["rating"])) else {
                    return try context.refuse(file, n, "rating \(Excerpt.quoted("\(obj["rating"]!)")) is not a finite number")
                }
                rating = r
            }
            let item: Int32
            if let i = assembly.itemIDs.lookup(place) {
                item = i
            } else if catalogue {
                return try context.refuse(file, n, "unknown gmap_id \(Excerpt.quoted(place)) (not in the meta file)")
            } else {
                item = assembly.addItem(rawID: place, name: (obj["name"] as? String) ?? place, categories: [])!
            }
            let user = assembly.userIDs.intern(userRaw)
            assembly.events.append(Event(user: user, item: item, rating: rating, timestamp: ms / 1000,
                                         text: obj["text"] as? String))
        }
    }
}
