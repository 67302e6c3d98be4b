/// RecBole atomic files: tab-separated, a typed header (`item_id:token`, `rating:float`,
/// `class:token_seq`, ...). `*.inter` holds events; `*.item` and `*.user` are optional.
struct RecBoleLoader {
    let directory: String
    let context: LoadContext
    let assembly: DatasetAssembly

    init(directory: String, context: LoadContext, into assembly: DatasetAssembly) {
        self.directory = directory
        self.context = context
        self.assembly = assembly
    }

    /// One header column: `name:type`.
    struct Column {
        let name: String
        let type: String
    }

    func load() throws {
        let names = (try? DatasetFormat.listFiles(.init(fileURLWithPath: directory))) ?? []
        func file(_ ext: String) -> String? {
            names.first { $0.hasSuffix(ext) || $0.hasSuffix(ext + ".gz") }.map { directory + "/" + $0 }
        }
        guard let inter = file(".inter") else { throw DatasetError.missingFile(directory: directory, expected: "*.inter") }
        if let user = file(".user") { try readUsers(user) }
        let hasCatalogue = file(".item") != nil
        if let item = file(".item") { try readItems(item) }
        try readEvents(inter, catalogue: hasCatalogue)
    }

    private func header(_ line: UnsafeBufferPointer<UInt8>, _ file: String) throws -> [Column] {
        let text = ByteParsing.utf8(line) ?? ""
        let cols = text.split(separator: "\t", omittingEmptySubsequences: false).map { field -> Column in
            let parts = field.split(separator: ":", maxSplits: 1)
            return Column(name: String(parts.first ?? ""), type: parts.count > 1 ? String(parts[1]) : "token")
        }
        for c in cols where !["token", "token_seq", "float", "float_seq"].contains(c.type) {
            throw DatasetError.malformed(LoadIssue(file: file, line: 1, reason: "header column \(Excerpt.quoted(c.name)) has unknown type \(Excerpt.quoted(c.type))"))
        }
        return cols
    }

    private func readItems(_ path: String) throws {
        let file = fileName(path)
        var columns: [Column] = []
        var splitter = FieldSplitter(.separator(0x09))
        var idCol = -1, titleCol = -1, yearCol = -1, categoryCol = -1
        try context.readLines(path) { line, n in
            if n == 1 {
                columns = try header(line, file)
                idCol = columns.firstIndex { $0.name == "item_id" } ?? -1
                titleCol = columns.firstIndex { ["movie_title", "title", "name"].contains($0.name) } ?? -1
                yearCol = columns.firstIndex { $0.name == "release_year" || $0.name == "year" } ?? -1
                categoryCol = columns.firstIndex { ["class", "genre", "genres", "categories", "category"].contains($0.name) } ?? -1
                if idCol < 0 { throw DatasetError.malformed(LoadIssue(file: file, line: 1, reason: "header has no item_id column")) }
                return
            }
            if line.isEmpty { return }
            _ = splitter.split(line)
            guard splitter.count == columns.count else {
                return try context.refuse(file, n, "expected \(columns.count) fields, found \(splitter.count)")
            }
            var fields: [String] = []
            for k in 0..<columns.count {
                guard let s = ByteParsing.utf8(splitter.bytes(k, of: line)) else {
                    return try context.refuse(file, n, "field \(Excerpt.quoted(columns[k].name)) is not valid UTF-8")
                }
                if columns[k].type == "float", !s.isEmpty, Double(s) == nil {
                    return try context.refuse(file, n, "field \(Excerpt.quoted(columns[k].name)) = \(Excerpt.quoted(s)) is not a number")
                }
                fields.append(s)
            }
            let raw = fields[idCol]
            var name = titleCol >= 0 ? fields[titleCol] : raw
            if yearCol >= 0, !fields[yearCol].isEmpty { name += " (\(fields[yearCol]))" }
            // token_seq values are space-separated (RecBole's default seq separator).
            let categories = categoryCol >= 0 ? fields[categoryCol].split(separator: " ").map(String.init) : []
            var attributes: [String: String] = [:]
            for (k, c) in columns.enumerated() where k != idCol && k != titleCol && k != categoryCol && !fields[k].isEmpty {
                attributes[c.name] = fields[k]
            }
            if assembly.addItem(rawID: raw, name: name, categories: categories, attributes: attributes) == nil {
                try context.refuse(file, n, "item_id \(Excerpt.quoted(raw)) listed twice")
            }
        }
    }

    private func readUsers(_ path: String) throws {
        let file = fileName(path)
        var columns: [Column] = []
        var splitter = FieldSplitter(.separator(0x09))
        var idCol = -1
        try context.readLines(path) { line, n in
            if n == 1 {
                columns = try header(line, file)
                idCol = columns.firstIndex { $0.name == "user_id" } ?? -1
                if idCol < 0 { throw DatasetError.malformed(LoadIssue(file: file, line: 1, reason: "header has no user_id column")) }
                return
            }
            if line.isEmpty { return }
            _ = splitter.split(line)
            guard splitter.count == columns.count else {
                return try context.refuse(file, n, "expected \(columns.count) fields, found \(splitter.count)")
            }
            guard let user = assembly.userIDs.intern(splitter.bytes(idCol, of: line)) else {
                return try context.refuse(file, n, "user_id is not valid UTF-8")
            }
            var attributes: [String: String] = [:]
            for (k, c) in columns.enumerated() where k != idCol {
                attributes[c.name] = ByteParsing.utf8(splitter.bytes(k, of: line)) ?? ""
            }
            assembly.userAttributes[user] = attributes
        }
    }

    private func readEvents(_ path: String, catalogue: Bool) throws {
        let file = fileName(path)
        context.eventFiles.append(file)
        var splitter = FieldSplitter(.separator(0x09))
        var columns: [Column] = []
        var userCol = -1, itemCol = -1, ratingCol = -1, timeCol = -1, textCol = -1
        assembly.reserveEvents(forFile: path, bytesPerLine: 24)
        try context.readLines(path) { line, n in
            if n == 1 {
                columns = try header(line, file)
                userCol = columns.firstIndex { $0.name == "user_id" } ?? -1
                itemCol = columns.firstIndex { $0.name == "item_id" } ?? -1
                ratingCol = columns.firstIndex { $0.name == "rating" } ?? -1
                timeCol = columns.firstIndex { $0.name == "timestamp" } ?? -1
                textCol = columns.firstIndex { $0.name == "review" || $0.name == "text" } ?? -1
                if userCol < 0 || itemCol < 0 {
                    throw DatasetError.malformed(LoadIssue(file: file, line: 1, reason: "header needs user_id and item_id columns"))
                }
                return
            }
            if line.isEmpty { return }
            _ = splitter.split(line)
            guard splitter.count == columns.count else {
                return try context.refuse(file, n, "expected \(columns.count) fields, found \(splitter.count)")
            }
            let itemBytes = splitter.bytes(itemCol, of: line)
            let item: Int32
            if catalogue {
                guard let i = assembly.itemIDs.lookup(itemBytes) else {
                    return try context.refuse(file, n, "unknown item_id \(Excerpt.quoted(itemBytes)) (not in the .item file)")
                }
                item = i
            } else {
                guard let i = assembly.itemSeenInEvent(itemBytes) else { return try context.refuse(file, n, "item_id is not valid UTF-8") }
                item = i
            }
            var rating: Float?
            if ratingCol >= 0 {
                let b = splitter.bytes(ratingCol, of: line)
                guard let d = ByteParsing.double(b) else {
                    return try context.refuse(file, n, "rating \(Excerpt.quoted(b)) is not a number")
                }
                guard let r = ByteParsing.rating(d) else {
                    return try context.refuse(file, n, "rating \(Excerpt.quoted(b)) is beyond a 32-bit float (±3.4e38)")
                }
                rating = r
            }
            // Without a timestamp column, file order is the timeline order.
            var time = Int64(n)
            if timeCol >= 0 {
                let b = splitter.bytes(timeCol, of: line)
                guard let t = ByteParsing.integralTimestamp(b) else {
                    return try context.refuse(file, n, "timestamp \(Excerpt.quoted(b)) is not an integer")
                }
                time = t
            }
            var text: String?
            if textCol >= 0 {
                guard let t = ByteParsing.utf8(splitter.bytes(textCol, of: line)) else {
                    return try context.refuse(file, n, "review text is not valid UTF-8")
                }
                text = t
            }
            guard let user = assembly.userIDs.intern(splitter.bytes(userCol, of: line)) else {
                return try context.refuse(file, n, "user_id is not valid UTF-8")
            }
            assembly.events.append(Event(user: user, item: item, rating: rating, timestamp: time, text: text))
        }
    }
}
