/// Collects what a loader refuses: lenient mode counts and keeps the first issues;
/// strict mode throws at the first one.
final class LoadContext {
    let strict: Bool
    private(set) var report = LoadReport()
    /// Issues kept in full; the rest are only counted (a broken 20M-line file stays small).
    static let keptIssues = 200

    /// The files read for events; a load that read some and got no event is an error.
    var eventFiles: [String] = []

    init(strict: Bool) { self.strict = strict }

    func refuse(_ file: String, _ line: Int, _ reason: String) throws {
        let issue = LoadIssue(file: file, line: line, reason: reason)
        if strict { throw DatasetError.malformed(issue) }
        report.skipped += 1
        if report.issues.count < Self.keptIssues { report.issues.append(issue) }
    }

    func note(_ text: String) { report.notes.append(text) }

    /// Reads every line of `path`; a truncated or corrupt gzip becomes an issue at the
    /// line where the data stops (lenient: the lines before it are kept).
    func readLines(_ path: String, _ body: (UnsafeBufferPointer<UInt8>, Int) throws -> Void) throws {
        var last = 0
        let name = fileName(path)
        do {
            try LineReader(path: path).forEachLine { line, n in
                last = n
                try body(line, n)
            }
        } catch let error as DatasetError {
            switch error {
            case .truncatedGzip, .corruptGzip:
                try refuse(name, last + 1, "\(error)".replacingOccurrences(of: path + ": ", with: ""))
            default:
                throw error
            }
        }
    }
}

func fileName(_ path: String) -> String {
    path.split(separator: "/").last.map(String.init) ?? path
}
