import Tensor

/// A Linear with a trainable low-rank update (Hu et al. 2021, LoRA):
/// y = x·Wᵀ + b + (alpha / rank) · (x·Aᵀ)·Bᵀ, with W and b frozen.
///
/// A (rank, in) starts uniform in ±1/√in (PEFT's kaiming-uniform with a = √5) and B (out, rank)
/// at zero, so a fresh adapter leaves the layer's output unchanged. The base weight keeps
/// its name ("weight"), the adapter adds "lora_A" and "lora_B": a base checkpoint still
/// loads by name. `merged()` folds the update into a plain Linear for inference.
public final class LoRALinear: Linear {
    public let rank: Int
    public let alpha: Float
    /// (rank, in)
    public let loraA: Tensor
    /// (out, rank)
    public let loraB: Tensor
    /// alpha / rank: keeps the update's size independent of the rank chosen.
    public var scaling: Float { alpha / Float(rank) }

    /// Wraps `base`, sharing (not copying) its weight and bias, and freezes them.
    public init(wrapping base: Linear, rank: Int, alpha: Float, generator: inout SeededGenerator) {
        precondition(rank > 0, "LoRA rank must be positive")
        self.rank = rank
        self.alpha = alpha
        let bound = 1 / Float(base.inFeatures).squareRoot()
        loraA = Tensor.uniform([rank, base.inFeatures], low: -bound, high: bound, generator: &generator,
                               requiresGrad: true)
        loraB = Tensor.zeros([base.outFeatures, rank], requiresGrad: true)
        if let q = base.quantizedWeight {
            super.init(quantized: q, bias: base.bias)
        } else {
            super.init(weight: base.weight, bias: base.bias)
        }
        weight.requiresGrad = false
        bias?.requiresGrad = false
    }

    public override func callAsFunction(_ x: Tensor) -> Tensor {
        let update = Tensor.matmul(Tensor.matmul(x, loraA, transposeB: true), loraB, transposeB: true)
        return super.callAsFunction(x) + update.scaled(scaling)
    }

    public override func parameters() -> [(String, Tensor)] {
        super.parameters() + [("lora_A", loraA), ("lora_B", loraB)]
    }

    /// A plain Linear whose weight is W + (alpha / rank)·B·A (a new tensor); same outputs.
    public func merged() -> Linear {
        let w = quantizedWeight == nil ? weight.copy() : denseWeight()
        // W += scaling · B (out, r) · A (r, in)
        BLAS.gemm(transA: false, transB: false, m: outFeatures, n: inFeatures, k: rank, alpha: scaling,
                  a: loraB.pointer, b: loraA.pointer, beta: 1, c: w.pointer)
        w.requiresGrad = true
        let b = bias?.copy()
        b?.requiresGrad = true
        return Linear(weight: w, bias: b)
    }
}
