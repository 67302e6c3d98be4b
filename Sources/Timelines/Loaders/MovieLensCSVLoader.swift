/// ml-20m / ml-25m / ml-latest / ml-latest-small: `movies.csv` (the catalogue, quoted
/// titles with commas), `ratings.csv` (the events), `tags.csv` (kept as item attributes).
struct MovieLensCSVLoader {
    let directory: String
    let context: LoadContext
    let assembly: DatasetAssembly

    init(directory: String, context: LoadContext, into assembly: DatasetAssembly) {
        self.directory = directory
        self.context = context
        self.assembly = assembly
    }

    func load() throws {
        guard let movies = findFile(directory, ["movies.csv"]) else {
            throw DatasetError.missingFile(directory: directory, expected: "movies.csv")
        }
        guard let ratings = findFile(directory, ["ratings.csv"]) else {
            throw DatasetError.missingFile(directory: directory, expected: "ratings.csv")
        }
        try readMovies(movies)
        try MovieLensRatings(context: context, assembly: assembly).read(ratings, mode: .separator(0x2C), headerPrefix: "userId")
        if let tags = findFile(directory, ["tags.csv"]) { try readTags(tags) }
    }

    private func readMovies(_ path: String) throws {
        let file = fileName(path)
        var splitter = FieldSplitter(.csv)
        try context.readLines(path) { line, n in
            if line.isEmpty || (n == 1 && line.starts(with: Array("movieId".utf8))) { return }
            guard splitter.split(line) else { return try context.refuse(file, n, "unterminated or misplaced quote") }
            guard splitter.count == 3 else {
                return try context.refuse(file, n, "expected 3 fields (movieId, title, genres), found \(splitter.count)")
            }
            let idBytes = splitter.bytes(0, of: line)
            guard ByteParsing.int64(idBytes) != nil else {
                return try context.refuse(file, n, "movieId \(Excerpt.quoted(idBytes)) is not an integer")
            }
            let titleBytes = splitter.unquoted(1, of: line)
            let genreBytes = splitter.unquoted(2, of: line)
            guard let title = titleBytes.withUnsafeBufferPointer(ByteParsing.utf8),
                  let genreText = genreBytes.withUnsafeBufferPointer(ByteParsing.utf8) else {
                return try context.refuse(file, n, "not valid UTF-8")
            }
            let genres = genreText == "(no genres listed)" ? [] : genreText.split(separator: "|").map(String.init)
            var attributes: [String: String] = [:]
            if let y = yearSuffix(of: title) { attributes["year"] = y }
            let raw = String(decoding: idBytes, as: UTF8.self)
            if assembly.addItem(rawID: raw, name: title.trimmingTrailingSpaces(), categories: genres, attributes: attributes) == nil {
                try context.refuse(file, n, "movieId \(Excerpt.quoted(raw)) listed twice")
            }
        }
    }

    /// Tags become the item attribute "tags" (distinct, first-seen order, at most 8),
    /// shown in the explorer; they are not events (they carry no rating).
    private func readTags(_ path: String) throws {
        let file = fileName(path)
        var splitter = FieldSplitter(.csv)
        var tags: [Int32: [String]] = [:]
        var count = 0
        try context.readLines(path) { line, n in
            if line.isEmpty || (n == 1 && line.starts(with: Array("userId".utf8))) { return }
            guard splitter.split(line), splitter.count == 4 else {
                return try context.refuse(file, n, "expected 4 fields (userId, movieId, tag, timestamp)")
            }
            guard let item = assembly.itemIDs.lookup(splitter.bytes(1, of: line)) else {
                return try context.refuse(file, n, "unknown movie \(Excerpt.quoted(splitter.bytes(1, of: line)))")
            }
            guard let tag = splitter.unquoted(2, of: line).withUnsafeBufferPointer(ByteParsing.utf8) else {
                return try context.refuse(file, n, "tag is not valid UTF-8")
            }
            count += 1
            var list = tags[item] ?? []
            if list.count < 8 && !list.contains(tag) { list.append(tag); tags[item] = list }
        }
        for (item, list) in tags { assembly.items[Int(item)].attributes["tags"] = list.joined(separator: ", ") }
        context.note("\(count) tag applications read from \(file) (kept as item attribute 'tags')")
    }
}
