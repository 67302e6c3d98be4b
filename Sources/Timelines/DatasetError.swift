/// Why a dataset could not be loaded at all (as opposed to a skipped line, a `LoadIssue`).
public enum DatasetError: Error, CustomStringConvertible, Sendable {
    /// Strict mode stopped at the first malformed line.
    case malformed(LoadIssue)
    case unreadable(path: String, reason: String)
    case truncatedGzip(path: String)
    case corruptGzip(path: String, reason: String)
    case missingFile(directory: String, expected: String)
    case unrecognizedFormat(directory: String, found: [String])
    case unknownDataset(name: String, looked: String)
    /// Event files were read but not one event came out of them (every line refused, or
    /// a file that is not what its name says): loading "successfully" would be a lie.
    case noEvents(files: [String], skipped: Int, firstIssue: LoadIssue?)

    public var description: String {
        switch self {
        case .malformed(let issue): return "\(issue) (strict mode stops at the first malformed line)"
        case .unreadable(let path, let reason): return "\(path): cannot read: \(reason)"
        case .truncatedGzip(let path): return "\(path): gzip data ends early (truncated file?)"
        case .corruptGzip(let path, let reason): return "\(path): corrupt gzip data: \(reason)"
        case .missingFile(let dir, let expected): return "\(dir): missing \(expected)"
        case .unrecognizedFormat(let dir, let found):
            return "\(dir): no known dataset files (found: \(found.prefix(12).joined(separator: ", ")))."
                + " Expected MovieLens (u.data, ratings.dat, ratings.csv), RecBole (*.inter),"
                + " Amazon (*_5.json[.gz], reviews_*.json[.gz], meta_*.json[.gz]) or Google Local (review-*.json[.gz], meta-*.json[.gz])."
        case .unknownDataset(let name, let looked):
            return "dataset '\(name)' not found at \(looked). Run `userllm data fetch \(name)` or pass --data-dir."
        case .noEvents(let files, let skipped, let first):
            let why = first.map { "; the first refused: \($0)" } ?? " (the files hold no data lines)"
            return "\(files.joined(separator: ", ")): 0 events loaded, \(skipped) lines refused\(why)"
        }
    }
}

extension LoadIssue: Error {}
