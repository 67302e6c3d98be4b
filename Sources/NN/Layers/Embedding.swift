import Tensor

/// A lookup table: ids → rows of `weight` (count, dim), initialised Normal(0, 0.02²) as in
/// nanoGPT. Its gradient is a scatter-add into the rows that were used.
public final class Embedding: Module {
    public let count: Int
    public let dim: Int
    /// (count, dim)
    public let weight: Tensor

    public init(_ count: Int, _ dim: Int, std: Float = 0.02, generator: inout SeededGenerator) {
        self.count = count
        self.dim = dim
        weight = Tensor.randn([count, dim], std: std, generator: &generator, requiresGrad: true)
    }

    /// ids laid out as `shape` (e.g. (B, T)) → (shape..., dim).
    public func callAsFunction(_ ids: [Int32], shape: [Int]) -> Tensor {
        Tensor.embedding(weight, ids: ids, shape: shape)
    }

    public func parameters() -> [(String, Tensor)] { [("weight", weight)] }
}
