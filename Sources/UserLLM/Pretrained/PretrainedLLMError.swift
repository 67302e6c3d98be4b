/// Why a GGUF file could not become a `LanguageModel`, naming the file and the tensor or
/// metadata key at fault.
public struct PretrainedLLMError: Error, CustomStringConvertible, Equatable {
    public var file: String
    /// The tensor or metadata key at fault, when one is.
    public var item: String?
    public var reason: String

    public init(file: String, item: String? = nil, reason: String) {
        self.file = file
        self.item = item
        self.reason = reason
    }

    public var description: String {
        "\(file): " + (item.map { "'\($0)': " } ?? "") + reason
    }
}
