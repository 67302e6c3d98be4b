/// GroupLens ml-100k: `u.item` (`|`-separated, Latin-1, 19 genre flags), `u.data`
/// (tab-separated ratings), `u.user` (demographics).
struct MovieLens100KLoader {
    let directory: String
    let context: LoadContext
    let assembly: DatasetAssembly

    init(directory: String, context: LoadContext, into assembly: DatasetAssembly) {
        self.directory = directory
        self.context = context
        self.assembly = assembly
    }

    /// The order of u.item's genre flags (u.genre lists the same, with indices).
    static let genres = ["unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime",
                         "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery",
                         "Romance", "Sci-Fi", "Thriller", "War", "Western"]

    func load() throws {
        guard let items = findFile(directory, ["u.item"]) else { throw DatasetError.missingFile(directory: directory, expected: "u.item") }
        guard let data = findFile(directory, ["u.data"]) else { throw DatasetError.missingFile(directory: directory, expected: "u.data") }
        if let users = findFile(directory, ["u.user"]) { try readUsers(users) }
        try readItems(items)
        try MovieLensRatings(context: context, assembly: assembly).read(data, mode: .separator(0x09), headerPrefix: nil)
    }

    private func readItems(_ path: String) throws {
        let file = fileName(path)
        var splitter = FieldSplitter(.separator(0x7C))
        try context.readLines(path) { line, n in
            if line.isEmpty { return }
            _ = splitter.split(line)
            guard splitter.count == 5 + Self.genres.count else {
                return try context.refuse(file, n, "expected \(5 + Self.genres.count) fields, found \(splitter.count)")
            }
            var text: [String] = []
            for k in 0..<5 {
                guard let t = ByteParsing.latin1(splitter.bytes(k, of: line)) else {
                    return try context.refuse(file, n, "field \(k + 1) is not Latin-1 text (control bytes)")
                }
                text.append(t)
            }
            var genres: [String] = []
            for (k, g) in Self.genres.enumerated() {
                let flag = splitter.bytes(5 + k, of: line)
                guard flag.count == 1, flag[0] == 0x30 || flag[0] == 0x31 else {
                    return try context.refuse(file, n, "genre flag \(g) is not 0 or 1")
                }
                if flag[0] == 0x31 { genres.append(g) }
            }
            let raw = text[0], title = text[1]
            var attributes: [String: String] = [:]
            if let y = yearSuffix(of: title) { attributes["year"] = y }
            if !text[2].isEmpty { attributes["release_date"] = text[2] }
            if assembly.addItem(rawID: raw, name: title, categories: genres, attributes: attributes) == nil {
                try context.refuse(file, n, "movie id \(Excerpt.quoted(raw)) listed twice")
            }
        }
    }

    private func readUsers(_ path: String) throws {
        let file = fileName(path)
        var splitter = FieldSplitter(.separator(0x7C))
        let keys = ["age", "gender", "occupation", "zip_code"]
        try context.readLines(path) { line, n in
            if line.isEmpty { return }
            _ = splitter.split(line)
            guard splitter.count == 5 else { return try context.refuse(file, n, "expected 5 fields, found \(splitter.count)") }
            guard let user = assembly.userIDs.intern(splitter.bytes(0, of: line)) else {
                return try context.refuse(file, n, "user id is not valid UTF-8")
            }
            var attributes: [String: String] = [:]
            for (k, key) in keys.enumerated() {
                attributes[key] = ByteParsing.latin1(splitter.bytes(k + 1, of: line)) ?? ""
            }
            assembly.userAttributes[user] = attributes
        }
    }
}
