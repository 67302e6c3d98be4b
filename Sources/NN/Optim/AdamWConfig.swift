/// AdamW hyperparameters (Loshchilov & Hutter 2019).
public struct AdamWConfig: Codable, Equatable, Sendable {
    /// Peak learning rate (a schedule usually overrides it per step). 3e-4: the usual
    /// safe value for small transformers.
    public var learningRate: Float = 3e-4
    /// 0.9: PyTorch / nanoGPT.
    public var beta1: Float = 0.9
    /// 0.95 rather than PyTorch's 0.999: nanoGPT's choice, steadier for small-batch
    /// transformer training.
    public var beta2: Float = 0.95
    /// 1e-8: PyTorch's default.
    public var eps: Float = 1e-8
    /// 0.1: nanoGPT; applied to matrices only by default (see `AdamW.init`).
    public var weightDecay: Float = 0.1

    public init(learningRate: Float = 3e-4, beta1: Float = 0.9, beta2: Float = 0.95, eps: Float = 1e-8,
                weightDecay: Float = 0.1) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.weightDecay = weightDecay
    }
}
