/// Bounds on what a GGUF header may declare, checked before anything is allocated, so a
/// corrupt or hostile count ("2^60 tensors") is an error rather than an out-of-memory
/// crash. Every bound is well above what real files use.
public struct GGUFLimits: Sendable, Equatable {
    /// Llama-3 405B has 1,138 tensors; mixture-of-experts files with unmerged experts reach
    /// a few tens of thousands.
    public var maxTensors = 1 << 16
    /// Real files carry 20-60 keys.
    public var maxMetadataEntries = 1 << 16
    /// The longest strings are chat templates, tens of KB; 16 MiB leaves room.
    public var maxStringLength = 1 << 24
    /// The longest arrays are vocabularies and merges, up to about 300k entries (Gemma's 256k).
    public var maxArrayLength = 1 << 24
    /// ggml tensors have at most 4 dimensions (GGML_MAX_DIMS).
    public var maxDimensions = 4
    /// Arrays of arrays are legal but unused; one level of nesting inside an array is plenty.
    public var maxArrayNesting = 2

    public init() {}

    public static let `default` = GGUFLimits()
}
