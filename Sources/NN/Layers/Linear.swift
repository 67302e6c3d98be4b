import Tensor

/// y = x·Wᵀ + b over the last axis: x (..., in) → (..., out).
///
/// The weight is stored (out, in) as PyTorch's `nn.Linear` stores it, so checkpoints map
/// 1:1. Initialisation is nanoGPT's: weight ~ Normal(0, std²) (std 0.02 by default; callers
/// pass 0.02/√(2·layers) for residual projections), bias zero.
/// Not final: `LoRALinear` is a Linear, so a model can swap one in where a Linear was.
public class Linear: Layer {
    public let inFeatures: Int
    public let outFeatures: Int
    /// (out, in); an empty placeholder once the weight is kept quantised.
    public private(set) var weight: Tensor
    /// (out), or nil for a bias-free layer.
    public let bias: Tensor?
    /// The weight as quantised blocks (`keepQuantized`): frozen, never copied to f32.
    public private(set) var quantizedWeight: QuantizedMatrix?
    /// The weight packed for tile products (`packForInference`), used when no gradient is
    /// recorded.
    public private(set) var packedWeight: TileMatrix?

    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, std: Float = 0.02,
                generator: inout SeededGenerator) {
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        weight = Tensor.randn([outFeatures, inFeatures], std: std, generator: &generator, requiresGrad: true)
        self.bias = bias ? Tensor.zeros([outFeatures], requiresGrad: true) : nil
    }

    /// Wraps existing tensors (weight (out, in), bias (out)); they are shared, not copied.
    public init(weight: Tensor, bias: Tensor?) {
        precondition(weight.rank == 2, "Linear weight must be (out, in), got \(weight.shape)")
        precondition(bias == nil || bias!.shape == [weight.shape[0]],
                     "Linear bias \(bias!.shape) does not match weight \(weight.shape)")
        outFeatures = weight.shape[0]
        inFeatures = weight.shape[1]
        self.weight = weight
        self.bias = bias
    }

    /// A frozen layer whose weight (out, in) is `blocks` (see `keepQuantized`).
    public init(quantized blocks: QuantizedMatrix, bias: Tensor?) {
        precondition(bias == nil || bias!.shape == [blocks.rows], "Linear bias \(bias!.shape) does not match \(blocks.rows) outputs")
        outFeatures = blocks.rows
        inFeatures = blocks.columns
        weight = Tensor.empty([0, blocks.columns])
        quantizedWeight = blocks
        self.bias = bias
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        precondition(x.shape.last == inFeatures, "Linear(\(inFeatures) → \(outFeatures)) got input \(x.shape)")
        // (..., in) × (out, in)ᵀ: the leading axes fold into one sgemm.
        let y: Tensor
        if let packed = packedWeight, !Autograd.isEnabled {
            y = Tensor.matmul(x, packed: packed)
        } else {
            y = quantizedWeight.map { Tensor.matmul(x, quantized: $0) } ?? Tensor.matmul(x, weight, transposeB: true)
        }
        return bias.map { y + $0 } ?? y
    }

    /// From now on the weight is `blocks` (which must hold what `weight` holds, dequantised)
    /// and stays frozen: the f32 copy is dropped, and `parameters()` no longer lists it (it
    /// is not an f32 tensor any more; a pretrained backbone's file has it).
    public func keepQuantized(_ blocks: QuantizedMatrix) {
        precondition(blocks.rows == outFeatures && blocks.columns == inFeatures,
                     "quantised (\(blocks.rows), \(blocks.columns)) for Linear(\(inFeatures) → \(outFeatures))")
        quantizedWeight = blocks
        weight = Tensor.empty([0, inFeatures])
    }

    /// Packs the weight as it is now for tile products (`TileMatrix`), which forward passes
    /// without a gradient then use; nil unpacks. For a model that only answers from now on:
    /// training moves `weight`, never the packed copy. False (nothing packed) when the CPU has
    /// no tile unit or the shape does not fit the kernel.
    @discardableResult
    public func packForInference(_ precision: TileMatrix.Precision?) -> Bool {
        packedWeight = nil
        guard let precision, TileMatrix.available, TileMatrix.fits(rows: outFeatures, columns: inFeatures) else { return false }
        let w = denseWeight()
        packedWeight = TileMatrix(w.pointer, rows: outFeatures, columns: inFeatures, precision: precision)
        return true
    }

    /// The weight in f32: itself, or a fresh dequantisation of the blocks.
    public func denseWeight() -> Tensor {
        guard let q = quantizedWeight else { return weight }
        let w = Tensor.empty([outFeatures, inFeatures])
        q.dequantize(rows: 0..<outFeatures, into: w.pointer)
        return w
    }

    public func parameters() -> [(String, Tensor)] {
        var params = quantizedWeight == nil ? [("weight", weight)] : []
        if let bias { params.append(("bias", bias)) }
        return params
    }
}
