/// manifest.json of a tensor export (see `TensorExport`): what python/userllm_torch reads
/// before any shard.
public struct TensorExportManifest: Codable, Equatable, Sendable {
    public static let formatName = "userllm-tensors"

    public struct Shard: Codable, Equatable, Sendable {
        public var file: String
        public var examples: Int
        public var tokens: Int
    }

    public struct Part: Codable, Equatable, Sendable {
        public var examples: Int
        public var tokens: Int
        public var shards: [Shard]
    }

    public var format: String
    public var version: Int
    /// The prompts' mode (soft and xattn prompts are the same tokens).
    public var mode: FusionMode
    public var dataset: String
    /// Task names, indexed by the shards' `task` column.
    public var tasks: [String]
    public var windowLength: Int
    /// C, the category slots per item in `item_categories`.
    public var maxCategories: Int
    /// Feature vocabulary sizes (embedding tables): item, category, rating.
    public var vocabularySizes: [String: Int]
    public var padToken: Int32
    public var users: Int
    public var events: Int
    /// `BatchOrder`'s seed for finetuning (preset seed + 17): batch s is the same in both trainers.
    public var batchOrderSeed: UInt64
    /// Fully decoded (every key present), so Python needs no defaults.
    public var preset: Preset
    /// "train", "validation".
    public var parts: [String: Part]
}
