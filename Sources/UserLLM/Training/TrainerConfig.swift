/// One training stage's optimisation settings; a preset holds one per stage.
public struct TrainerConfig: Codable, Equatable, Sendable {
    /// Optimiser steps (one batch each) unless early stopping ends the stage sooner.
    public var steps: Int
    /// Sequences (or examples) per step.
    public var batchSize: Int
    /// Peak learning rate of the warmup + cosine schedule.
    public var learningRate: Float
    /// Linear warmup length; a few percent of `steps` keeps the first AdamW updates,
    /// whose second-moment estimate is still noisy, small.
    public var warmupSteps: Int
    /// AdamW decoupled weight decay on matrices (0.1: nanoGPT).
    public var weightDecay: Float
    /// Global gradient-norm clip (1.0: nanoGPT / Llama).
    public var gradClip: Float
    /// Validate (and checkpoint for resume) every this many steps; 0 = only at the end.
    public var evalEvery: Int
    /// Validation batches per evaluation: a fixed subset, so losses compare across evals.
    public var evalBatches: Int
    /// Stop after this many evaluations without a new best validation loss (0 = never);
    /// the best weights are the stage's result.
    public var patience: Int
    /// Learning-rate multiplier for the cross-attention gates (nil = 1). They start at 0 and
    /// AdamW moves a scalar by at most ~lr per step, so at the LLM's rate a 150-step stage
    /// leaves tanh(gate) < 0.01 and the xattn model never reads the user (small, ml-100k);
    /// ×100 opens the top layers' gates to ~0.3–0.4 within the stage.
    public var gateLearningRateScale: Float?
    /// Stop (after a last validation) once training has taken this many seconds, whatever
    /// step it reached; nil: no limit. For comparisons at equal wall-clock budget: the
    /// `smol` preset gives TP the time an embedding model's finetuning takes, since one TP
    /// step on 1,500-token prompts costs ~20 of theirs.
    public var timeBudgetSeconds: Double?

    public init(steps: Int, batchSize: Int, learningRate: Float, warmupSteps: Int, weightDecay: Float = 0.1,
                gradClip: Float = 1.0, evalEvery: Int, evalBatches: Int, patience: Int,
                gateLearningRateScale: Float? = nil) {
        self.steps = steps
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.warmupSteps = warmupSteps
        self.weightDecay = weightDecay
        self.gradClip = gradClip
        self.evalEvery = evalEvery
        self.evalBatches = evalBatches
        self.patience = patience
        self.gateLearningRateScale = gateLearningRateScale
    }

    /// Warmup then cosine down to a tenth of the peak.
    public var schedule: CosineSchedule {
        CosineSchedule(peak: learningRate, warmupSteps: warmupSteps, totalSteps: steps)
    }
}

import NN
