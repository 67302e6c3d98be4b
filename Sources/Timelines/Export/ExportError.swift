/// Why `RecBoleExport` wrote nothing (or stopped part-way).
public enum ExportError: Error, CustomStringConvertible, Sendable {
    /// The output folder has files and `force` was not given.
    case notEmpty(path: String, found: [String])
    case unwritable(path: String, reason: String)

    public var description: String {
        switch self {
        case .notEmpty(let path, let found):
            return "\(path) is not empty (\(found.prefix(5).joined(separator: ", "))\(found.count > 5 ? ", …" : "")): "
                + "choose a new folder or pass --force to overwrite"
        case .unwritable(let path, let reason): return "\(path): cannot write: \(reason)"
        }
    }
}
