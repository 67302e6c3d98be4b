/// GroupLens ml-1m: `movies.dat`, `ratings.dat`, `users.dat`, `::`-separated, Latin-1.
struct MovieLens1MLoader {
    let directory: String
    let context: LoadContext
    let assembly: DatasetAssembly

    init(directory: String, context: LoadContext, into assembly: DatasetAssembly) {
        self.directory = directory
        self.context = context
        self.assembly = assembly
    }

    func load() throws {
        guard let movies = findFile(directory, ["movies.dat"]) else { throw DatasetError.missingFile(directory: directory, expected: "movies.dat") }
        guard let ratings = findFile(directory, ["ratings.dat"]) else { throw DatasetError.missingFile(directory: directory, expected: "ratings.dat") }
        if let users = findFile(directory, ["users.dat"]) { try readUsers(users) }
        try readMovies(movies)
        try MovieLensRatings(context: context, assembly: assembly).read(ratings, mode: .doubleColon, headerPrefix: nil)
    }

    private func readMovies(_ path: String) throws {
        let file = fileName(path)
        var splitter = FieldSplitter(.doubleColon)
        try context.readLines(path) { line, n in
            if line.isEmpty { return }
            _ = splitter.split(line)
            guard splitter.count == 3 else { return try context.refuse(file, n, "expected 3 fields (MovieID::Title::Genres), found \(splitter.count)") }
            guard ByteParsing.int64(splitter.bytes(0, of: line)) != nil else {
                return try context.refuse(file, n, "MovieID is not an integer")
            }
            guard let title = ByteParsing.latin1(splitter.bytes(1, of: line)),
                  let genreText = ByteParsing.latin1(splitter.bytes(2, of: line)) else {
                return try context.refuse(file, n, "not Latin-1 text (control bytes)")
            }
            let raw = String(decoding: splitter.bytes(0, of: line), as: UTF8.self)
            var attributes: [String: String] = [:]
            if let y = yearSuffix(of: title) { attributes["year"] = y }
            let genres = genreText.split(separator: "|").map(String.init)
            if assembly.addItem(rawID: raw, name: title, categories: genres, attributes: attributes) == nil {
                try context.refuse(file, n, "MovieID \(Excerpt.quoted(raw)) listed twice")
            }
        }
    }

    private func readUsers(_ path: String) throws {
        let file = fileName(path)
        var splitter = FieldSplitter(.doubleColon)
        let keys = ["gender", "age", "occupation", "zip_code"]
        try context.readLines(path) { line, n in
            if line.isEmpty { return }
            _ = splitter.split(line)
            guard splitter.count == 5 else { return try context.refuse(file, n, "expected 5 fields, found \(splitter.count)") }
            guard let user = assembly.userIDs.intern(splitter.bytes(0, of: line)) else {
                return try context.refuse(file, n, "UserID is not valid UTF-8")
            }
            var attributes: [String: String] = [:]
            for (k, key) in keys.enumerated() { attributes[key] = ByteParsing.latin1(splitter.bytes(k + 1, of: line)) ?? "" }
            assembly.userAttributes[user] = attributes
        }
    }
}
