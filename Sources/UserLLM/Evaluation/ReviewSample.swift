/// One generated review beside the one the user really wrote: ROUGE says how close the
/// words are, a reader needs to see the sentences (`eval` prints the first few per model).
public struct ReviewSample: Codable, Equatable, Sendable {
    public var user: Int32
    public var generated: String
    public var real: String

    public init(user: Int32, generated: String, real: String) {
        self.user = user
        self.generated = generated
        self.real = real
    }

    /// How many `Evaluator` keeps per model: enough to judge the style, short enough to read.
    public static let perModel = 3
}
