/// Hyperparameters of encoder pretraining; saved with a run. Lenient decoding: missing
/// keys take the defaults.
public struct EncoderPretrainingConfig: Codable, Equatable, Sendable {
    /// Optimiser steps. 1500 at batch 64 ≈ 33 epochs of ML-100K's ~2.9K windows, about two
    /// minutes for the small encoder on 2 cores; SASRec converges on ML-1M in tens of epochs.
    public var steps: Int = 1500
    /// Windows per step. 64: SASRec's batch was 128; 64 keeps a step short on 2 cores.
    public var batchSize: Int = 64
    /// Inputs per window. 50: the paper's N (match the encoder's maxEvents or less).
    public var windowLength: Int = 50
    /// Distance between window ends; nil = windowLength (each training event a target once
    /// per epoch). Smaller values add overlapping windows (more positions per event).
    public var windowStride: Int? = nil
    /// Peak learning rate. 1e-3: SASRec's, fine for a 2-layer d=128 model.
    public var learningRate: Float = 1e-3
    /// Linear warmup. 100 steps: a few percent of the run, nanoGPT-like.
    public var warmupSteps: Int = 100
    /// AdamW weight decay on matrices and embeddings. 0.1: nanoGPT.
    public var weightDecay: Float = 0.1
    /// Global gradient-norm clip. 1.0: nanoGPT.
    public var gradientClip: Float = 1.0
    /// Seeds the window order (and nothing else: the model has its own seed).
    public var seed: UInt64 = 0

    public init(steps: Int = 1500, batchSize: Int = 64, windowLength: Int = 50, windowStride: Int? = nil,
                learningRate: Float = 1e-3, warmupSteps: Int = 100, weightDecay: Float = 0.1,
                gradientClip: Float = 1.0, seed: UInt64 = 0) {
        self.steps = steps
        self.batchSize = batchSize
        self.windowLength = windowLength
        self.windowStride = windowStride
        self.learningRate = learningRate
        self.warmupSteps = warmupSteps
        self.weightDecay = weightDecay
        self.gradientClip = gradientClip
        self.seed = seed
    }

    private enum CodingKeys: String, CodingKey {
        case steps, batchSize, windowLength, windowStride, learningRate, warmupSteps, weightDecay, gradientClip, seed
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = EncoderPretrainingConfig()
        steps = try c.decodeIfPresent(Int.self, forKey: .steps) ?? d.steps
        batchSize = try c.decodeIfPresent(Int.self, forKey: .batchSize) ?? d.batchSize
        windowLength = try c.decodeIfPresent(Int.self, forKey: .windowLength) ?? d.windowLength
        windowStride = try c.decodeIfPresent(Int.self, forKey: .windowStride) ?? d.windowStride
        learningRate = try c.decodeIfPresent(Float.self, forKey: .learningRate) ?? d.learningRate
        warmupSteps = try c.decodeIfPresent(Int.self, forKey: .warmupSteps) ?? d.warmupSteps
        weightDecay = try c.decodeIfPresent(Float.self, forKey: .weightDecay) ?? d.weightDecay
        gradientClip = try c.decodeIfPresent(Float.self, forKey: .gradientClip) ?? d.gradientClip
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? d.seed
    }
}
