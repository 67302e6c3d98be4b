/// Why a tokenizer could not be loaded or saved: the file, the JSON key path and the reason.
public struct TokenizerError: Error, CustomStringConvertible, Equatable {
    /// The file concerned (its path), or "<memory>" for in-memory JSON.
    public var file: String
    /// The JSON key path such as `model.merges[12]`, or "" where the whole file is at fault.
    public var key: String
    public var reason: String

    public init(file: String, key: String, reason: String) {
        self.file = file
        self.key = key
        self.reason = reason
    }

    public var description: String {
        key.isEmpty ? "\(file): \(reason)" : "\(file): \(key): \(reason)"
    }
}
