/// The rating rows every MovieLens flavour shares: user, movie, rating, timestamp.
/// This is the hot path of a 20M-row load: bytes in, one `Event` out, no String per line
/// (a new user's raw ID is the only allocation).
struct MovieLensRatings {
    let context: LoadContext
    let assembly: DatasetAssembly

    /// `headerPrefix`: a first line starting with it is a header and skipped.
    func read(_ path: String, mode: FieldSplitter.Mode, headerPrefix: String?) throws {
        let file = fileName(path)
        context.eventFiles.append(file)
        var splitter = FieldSplitter(mode)
        let header = headerPrefix.map { Array($0.utf8) }
        assembly.reserveEvents(forFile: path, bytesPerLine: 20)
        try context.readLines(path) { line, n in
            if line.isEmpty { return }
            if n == 1, let h = header, line.starts(with: h) { return }
            _ = splitter.split(line)
            guard splitter.count == 4 else {
                return try context.refuse(file, n, "expected 4 fields (user, movie, rating, timestamp), found \(splitter.count)")
            }
            let movie = splitter.bytes(1, of: line)
            guard let item = assembly.itemIDs.lookup(movie) else {
                return try context.refuse(file, n, "unknown movie \(Excerpt.quoted(movie)) (not in the movie list)")
            }
            guard let value = ByteParsing.double(splitter.bytes(2, of: line)) else {
                return try context.refuse(file, n, "rating \(Excerpt.quoted(splitter.bytes(2, of: line))) is not a number")
            }
            guard let rating = ByteParsing.rating(value) else {
                return try context.refuse(file, n, "rating \(Excerpt.quoted(splitter.bytes(2, of: line))) is beyond a 32-bit float (±3.4e38)")
            }
            guard let time = ByteParsing.integralTimestamp(splitter.bytes(3, of: line)) else {
                return try context.refuse(file, n, "timestamp \(Excerpt.quoted(splitter.bytes(3, of: line))) is not an integer")
            }
            guard let user = assembly.userIDs.intern(splitter.bytes(0, of: line)) else {
                return try context.refuse(file, n, "user ID is not valid UTF-8")
            }
            assembly.events.append(Event(user: user, item: item, rating: rating, timestamp: time))
        }
    }
}

/// Splits "Toy Story (1995)" into its year for display; nil when the title has none.
func yearSuffix(of title: String) -> String? {
    let t = title.trimmingTrailingSpaces()
    guard t.hasSuffix(")"), let open = t.lastIndex(of: "(") else { return nil }
    let inner = t[t.index(after: open)..<t.index(before: t.endIndex)]
    return inner.count == 4 && inner.allSatisfy(\.isNumber) ? String(inner) : nil
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var s = Substring(self)
        while let last = s.last, last == " " { s = s.dropLast() }
        return String(s)
    }
}
