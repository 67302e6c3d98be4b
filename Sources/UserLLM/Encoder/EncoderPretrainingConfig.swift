/// Hyperparameters of encoder pretraining; saved with a run. Lenient decoding: missing
/// keys take the defaults.
public struct EncoderPretrainingConfig: Codable, Equatable, Sendable {
    /// Optimiser steps. 400 at batch 32 ≈ 5 epochs of ML-100K's 2.4K windows: the small
    /// encoder does ~2.7K events per CPU-second (measured), so about 1.5 min on 2 idle
    /// cores; 245 such steps already beat most-popular by 65% on Recall@10 (report, issue 4).
    public var steps: Int = 400
    /// Windows per step. 32: more updates per minute on 2 cores than SASRec's 128.
    public var batchSize: Int = 32
    /// Inputs per window. 50: the paper's N (match the encoder's maxEvents or less).
    public var windowLength: Int = 50
    /// Distance between window ends; nil = windowLength (each training event a target once
    /// per epoch). Smaller values add overlapping windows (more positions per event).
    public var windowStride: Int? = nil
    /// Peak learning rate. 3e-3: SASRec's 1e-3 stays on the popularity plateau for most
    /// of a few-epoch run; 3e-3 leaves it sooner (measured on ML-100K).
    public var learningRate: Float = 3e-3
    /// Linear warmup. 40 steps: a tenth of the run.
    public var warmupSteps: Int = 40
    /// AdamW weight decay on matrices and embeddings. 0.1: nanoGPT.
    public var weightDecay: Float = 0.1
    /// Global gradient-norm clip. 1.0: nanoGPT.
    public var gradientClip: Float = 1.0
    /// Seeds the window order (and nothing else: the model has its own seed).
    public var seed: UInt64 = 0

    public init(steps: Int = 400, batchSize: Int = 32, windowLength: Int = 50, windowStride: Int? = nil,
                learningRate: Float = 3e-3, warmupSteps: Int = 40, weightDecay: Float = 0.1,
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
