import Tensor

/// A lookup table: ids → rows of `weight` (count, dim), initialised Normal(0, 0.02²) as in
/// nanoGPT. Its gradient is a scatter-add into the rows that were used.
public final class Embedding: Module {
    public let count: Int
    public let dim: Int
    /// (count, dim); an empty placeholder once the table is kept quantised.
    public private(set) var weight: Tensor
    /// The table as quantised blocks (`keepQuantized`): frozen, never copied to f32.
    public private(set) var quantizedWeight: QuantizedMatrix?
    /// The table packed for tile products as a tied output head (`packForInference`).
    public private(set) var packedWeight: TileMatrix?

    public init(_ count: Int, _ dim: Int, std: Float = 0.02, generator: inout SeededGenerator) {
        self.count = count
        self.dim = dim
        weight = Tensor.randn([count, dim], std: std, generator: &generator, requiresGrad: true)
    }

    /// ids laid out as `shape` (e.g. (B, T)) → (shape..., dim).
    public func callAsFunction(_ ids: [Int32], shape: [Int]) -> Tensor {
        quantizedWeight.map { Tensor.embedding($0, ids: ids, shape: shape) } ?? Tensor.embedding(weight, ids: ids, shape: shape)
    }

    /// From now on the table is `blocks` (holding what `weight` holds, dequantised) and stays
    /// frozen: the f32 copy is dropped and `parameters()` no longer lists it.
    public func keepQuantized(_ blocks: QuantizedMatrix) {
        precondition(blocks.rows == count && blocks.columns == dim,
                     "quantised (\(blocks.rows), \(blocks.columns)) for an embedding of (\(count), \(dim))")
        quantizedWeight = blocks
        weight = Tensor.empty([0, dim])
    }

    /// Packs the table as it is now for the tied head's tile products (see
    /// `Linear.packForInference`); nil unpacks. False when nothing was packed.
    @discardableResult
    public func packForInference(_ precision: TileMatrix.Precision?) -> Bool {
        packedWeight = nil
        guard let precision, TileMatrix.available, TileMatrix.fits(rows: count, columns: dim) else { return false }
        if let q = quantizedWeight {
            let w = Tensor.empty([count, dim])
            q.dequantize(rows: 0..<count, into: w.pointer)
            packedWeight = TileMatrix(w.pointer, rows: count, columns: dim, precision: precision)
        } else {
            packedWeight = TileMatrix(weight.pointer, rows: count, columns: dim, precision: precision)
        }
        return true
    }

    public func parameters() -> [(String, Tensor)] { quantizedWeight == nil ? [("weight", weight)] : [] }
}
