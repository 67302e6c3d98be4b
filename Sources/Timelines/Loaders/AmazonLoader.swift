import Foundation

/// Amazon Review Data, 2018 (`*_5.json`, `meta_*.json`; `vote` and `price` are strings)
/// and 2014 (`reviews_*.json`, `helpful`, meta as Python literals with nested
/// `categories`), plain or gzip. The catalogue is the reviewed products: a category's
/// meta file lists many more (Gift Cards: 1,547 vs 148 reviewed; Books: millions), so
/// meta records of products nobody reviewed are not kept.
struct AmazonLoader {
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
        let metas = names.filter { $0.hasPrefix("meta_") }
        let reviews = names.filter { !$0.hasPrefix("meta_") }
        if reviews.isEmpty {
            context.note("no review file (only \(metas.joined(separator: ", "))): catalogue only, no events")
        }
        for r in reviews { try readReviews(directory + "/" + r) }
        for m in metas { try readMeta(directory + "/" + m, catalogueOnly: reviews.isEmpty) }
    }

    private func readReviews(_ path: String) throws {
        let file = fileName(path)
        context.eventFiles.append(file)
        var seen = Set<Int>()
        var duplicates = 0
        try context.readLines(path) { line, n in
            if line.isEmpty { return }
            let obj: [String: Any]
            do { obj = try JSONLine.object(line, allowPythonLiteral: true) } catch {
                return try context.refuse(file, n, "\(error)")
            }
            guard let reviewer = obj["reviewerID"] as? String, !reviewer.isEmpty else {
                return try context.refuse(file, n, "missing reviewerID")
            }
            guard let asin = obj["asin"] as? String, !asin.isEmpty else { return try context.refuse(file, n, "missing asin") }
            var rating: Float?
            if !JSONLine.isNull(obj["overall"]) {
                guard let r = ByteParsing.rating(JSONLine.number(obj["overall"])) else {
                    return try context.refuse(file, n, "overall \(Excerpt.quoted("\(obj["overall"]!)")) is not a finite number")
                }
                rating = r
            }
            guard let time = JSONLine.number(obj["unixReviewTime"]).flatMap({ Int64(exactly: $0.rounded()) }) else {
                return try context.refuse(file, n, "missing or non-numeric unixReviewTime")
            }
            // Exact duplicate lines (AMAZON_FASHION_5 has 68) would double-count an event.
            var hasher = Hasher()
            hasher.combine(bytes: UnsafeRawBufferPointer(line))
            if !seen.insert(hasher.finalize()).inserted { duplicates += 1; return }
            let item = assembly.itemIDs.lookup(asin) ?? assembly.addItem(rawID: asin, name: asin, categories: [])!
            let user = assembly.userIDs.intern(reviewer)
            let text = obj["reviewText"] as? String
            let summary = obj["summary"] as? String
            assembly.events.append(Event(user: user, item: item, rating: rating, timestamp: time, text: text, summary: summary))
        }
        if duplicates > 0 { context.note("\(file): \(duplicates) exact duplicate lines dropped") }
    }

    private func readMeta(_ path: String, catalogueOnly: Bool) throws {
        let file = fileName(path)
        var filled = Set<Int32>()
        try context.readLines(path) { line, n in
            if line.isEmpty { return }
            let obj: [String: Any]
            do { obj = try JSONLine.object(line, allowPythonLiteral: true) } catch {
                return try context.refuse(file, n, "\(error)")
            }
            guard let asin = obj["asin"] as? String, !asin.isEmpty else { return try context.refuse(file, n, "missing asin") }
            var idx = assembly.itemIDs.lookup(asin)
            if idx == nil && catalogueOnly { idx = assembly.addItem(rawID: asin, name: asin, categories: []) }
            guard let item = idx, filled.insert(item).inserted else { return }
            if let title = (obj["title"] as? String)?.trimmingCharacters(in: .whitespacesAndNewlines), !title.isEmpty {
                assembly.items[Int(item)].name = HTMLEntities.decode(title)
            }
            assembly.items[Int(item)].categories = Self.categories(obj)
            var attributes: [String: String] = [:]
            for key in ["brand", "main_cat", "price"] {
                if let v = JSONLine.string(obj[key]), !v.isEmpty { attributes[key] = HTMLEntities.decode(v) }
            }
            assembly.items[Int(item)].attributes = attributes
        }
    }

    /// 2018 `category` (a list) or 2014 `categories` (lists of paths), de-duplicated in
    /// order; HTML fragments and sentences pasted into the field are dropped.
    static func categories(_ obj: [String: Any]) -> [String] {
        var raw: [String] = []
        if let list = obj["category"] as? [Any] { raw = list.compactMap { $0 as? String } }
        if let paths = obj["categories"] as? [Any] {
            for p in paths { raw += ((p as? [Any]) ?? [p]).compactMap { $0 as? String } }
        }
        var out: [String] = []
        for c in raw {
            let t = HTMLEntities.decode(c).trimmingCharacters(in: .whitespacesAndNewlines)
            if t.isEmpty || t.contains("<") || t.count > 60 || out.contains(t) { continue }
            out.append(t)
        }
        return out
    }
}
