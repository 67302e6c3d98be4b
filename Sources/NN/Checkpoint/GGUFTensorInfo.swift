/// One entry of a GGUF tensor table, checked: its type is known, its dimensions positive,
/// its bytes inside the file and aligned.
public struct GGUFTensorInfo: Sendable, Equatable {
    public let name: String
    public let type: GGMLType
    /// In ggml order: ne0, the contiguous dimension (a matrix row's length), first. A
    /// PyTorch (out, in) weight is stored as [in, out].
    public let dimensions: [Int]
    /// Absolute byte offset of the data in the file (the table's offset plus the start
    /// of the data section).
    public let offset: Int
    public let byteCount: Int

    public init(name: String, type: GGMLType, dimensions: [Int], offset: Int, byteCount: Int) {
        self.name = name
        self.type = type
        self.dimensions = dimensions
        self.offset = offset
        self.byteCount = byteCount
    }

    /// ne0: the elements of one row, the unit quantized blocks tile.
    public var columns: Int { dimensions.first ?? 1 }

    /// The product of the dimensions after the first (1 for a vector).
    public var rows: Int { dimensions.dropFirst().reduce(1, *) }

    public var elementCount: Int { dimensions.reduce(1, *) }

    /// Bytes of one row (ne0 elements): whole blocks by construction.
    public var bytesPerRow: Int { byteCount / max(rows, 1) }

    /// The shape of the tensor as the engine (and PyTorch) sees it: the ggml dimensions
    /// reversed, so a matrix is (rows, columns) = (out, in).
    public var shape: [Int] { dimensions.reversed() }
}
