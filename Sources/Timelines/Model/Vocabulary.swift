import AtomicIO
import Foundation

/// One feature's token ↔ ID table. IDs 0 and 1 are reserved (PAD pads short windows,
/// UNK stands for a value unseen when the vocabulary was built); real tokens start at 2
/// in the order they were added, so the same data always gives the same IDs, and a saved
/// vocabulary keeps a trained run's IDs when the dataset is reloaded.
public struct Vocabulary: Codable, Sendable, Equatable {
    public static let pad: Int32 = 0
    public static let unk: Int32 = 1
    public static let padToken = "<pad>"
    public static let unkToken = "<unk>"

    /// The feature this vocabulary encodes ("item", "genre", "category", "rating").
    public let feature: String
    /// tokens[id]; tokens[0] and tokens[1] are the reserved PAD and UNK.
    public private(set) var tokens: [String]
    private var ids: [String: Int32]

    public init(feature: String) {
        self.feature = feature
        tokens = [Self.padToken, Self.unkToken]
        ids = [:]
    }

    public init<S: Sequence>(feature: String, tokens newTokens: S) where S.Element == String {
        self.init(feature: feature)
        for t in newTokens { add(t) }
    }

    /// Number of IDs including PAD and UNK (the size of an embedding table).
    public var count: Int { tokens.count }

    /// The token's ID, adding it at the end when new.
    @discardableResult
    public mutating func add(_ token: String) -> Int32 {
        if let id = ids[token] { return id }
        let id = Int32(tokens.count)
        tokens.append(token)
        ids[token] = id
        return id
    }

    /// The token's ID, or UNK.
    public func id(_ token: String) -> Int32 { ids[token] ?? Self.unk }

    public func contains(_ token: String) -> Bool { ids[token] != nil }

    /// The token of an ID; nil outside the table.
    public func token(_ id: Int32) -> String? {
        id >= 0 && Int(id) < tokens.count ? tokens[Int(id)] : nil
    }

    // JSON: {"feature": "...", "tokens": ["<pad>", "<unk>", ...]}; ids are positions.
    private enum CodingKeys: String, CodingKey { case feature, tokens }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        feature = try c.decode(String.self, forKey: .feature)
        tokens = try c.decode([String].self, forKey: .tokens)
        guard tokens.count >= 2, tokens[0] == Self.padToken, tokens[1] == Self.unkToken else {
            throw DecodingError.dataCorruptedError(forKey: .tokens, in: c, debugDescription: "tokens must start with <pad>, <unk>")
        }
        ids = [:]
        for (i, t) in tokens.enumerated().dropFirst(2) {
            if ids[t] != nil {
                throw DecodingError.dataCorruptedError(forKey: .tokens, in: c, debugDescription: "token '\(t)' appears twice")
            }
            ids[t] = Int32(i)
        }
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(feature, forKey: .feature)
        try c.encode(tokens, forKey: .tokens)
    }

    public static func == (a: Vocabulary, b: Vocabulary) -> Bool { a.feature == b.feature && a.tokens == b.tokens }

    /// Writes atomically (temp file, fsync, rename).
    public func save(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(self), to: url)
    }

    /// Reads a saved vocabulary; a file that is not one is a `DatasetError` naming it.
    public static func load(from url: URL) throws -> Vocabulary {
        do {
            // 1 GiB: the largest real vocabulary (millions of Amazon products) is ~100 MB.
            let data = try FileBytes.read(url, limit: 1 << 30)
            return try JSONDecoder().decode(Vocabulary.self, from: FileBytes.droppingUTF8BOM(data))
        } catch let failure as FileBytes.Failure {
            throw DatasetError.unreadable(path: url.path, reason: failure.reason)
        } catch let error as DecodingError {
            throw DatasetError.unreadable(path: url.path, reason: "not a saved vocabulary: \(Self.describe(error))")
        }
    }

    /// A decoding error in words, without Foundation's "NSCocoaErrorDomain" wrapper.
    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, let ctx): return "missing key '\((ctx.codingPath + [key]).map(\.stringValue).joined(separator: "."))'"
        case .typeMismatch(_, let ctx), .valueNotFound(_, let ctx), .dataCorrupted(let ctx):
            let at = ctx.codingPath.map(\.stringValue).joined(separator: ".")
            return Excerpt.visible((at.isEmpty ? "" : "'\(at)': ") + ctx.debugDescription)
        @unknown default: return Excerpt.visible("\(error)")
        }
    }
}
