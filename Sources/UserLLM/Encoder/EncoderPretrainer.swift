import Foundation
import NN
import Tensor
import Timelines

/// Encoder pretraining (DESIGN §4): from position t predict every feature of event t+1
/// (`EncoderLoss.nextEvent`), on windows of the training part only (`EventWindow.pretraining`:
/// validation and test targets are never seen). AdamW, warmup + cosine schedule, global
/// gradient clipping; windows reshuffled every epoch from the config's seed.
///
/// Resumable: `step` and `optimizer.state()` are what a checkpoint needs besides the
/// parameters; restore them (`optimizer.loadState`, `init(..., startStep:)`) to continue.
public final class EncoderPretrainer {
    public let encoder: UserEncoder
    public let heads: EncoderHeads
    public let features: EventFeatures
    public let timelines: Timelines
    public let config: EncoderPretrainingConfig
    public let windows: [EventWindow]
    public let optimizer: AdamW
    public let schedule: CosineSchedule
    /// Steps done.
    public private(set) var step: Int
    /// Loss of every step done by this object, in order.
    public private(set) var history: [EncoderLoss] = []
    private var order: [Int] = []
    private var cursor = 0
    private var epoch = 0

    public init(encoder: UserEncoder, heads: EncoderHeads, builder: ExampleBuilder, features: EventFeatures,
                config: EncoderPretrainingConfig = EncoderPretrainingConfig(), windows: [EventWindow]? = nil,
                startStep: Int = 0) {
        precondition(config.windowLength <= encoder.config.maxEvents,
                     "pretraining windows of \(config.windowLength) events exceed the encoder's maxEvents \(encoder.config.maxEvents)")
        self.encoder = encoder
        self.heads = heads
        self.features = features
        timelines = builder.timelines
        self.config = config
        self.windows = windows
            ?? EventWindow.pretraining(split: builder.split, length: config.windowLength, stride: config.windowStride)
        precondition(!self.windows.isEmpty, "no user has two training events: nothing to pretrain on")
        optimizer = AdamW(parameters: encoder.parameters(prefix: "encoder") + heads.parameters(prefix: "heads"),
                          config: AdamWConfig(learningRate: config.learningRate, weightDecay: config.weightDecay))
        schedule = CosineSchedule(peak: config.learningRate, warmupSteps: config.warmupSteps, totalSteps: config.steps)
        step = startStep
        // Replay the epochs already consumed so a resumed run sees the same batches.
        let perEpoch = (self.windows.count + config.batchSize - 1) / config.batchSize
        for _ in 0...(startStep / perEpoch) { shuffle() }
        cursor = (startStep % perEpoch) * config.batchSize
    }

    private func shuffle() {
        var rng = SeededGenerator(seed: config.seed &+ UInt64(epoch) &* 0x9E37_79B9)
        order = Array(windows.indices)
        order.shuffle(using: &rng)
        epoch += 1
        cursor = 0
    }

    /// The next batch of windows (epochs end early rather than wrap, so batches never repeat a window).
    public func nextBatch() -> EventBatch {
        if cursor >= order.count { shuffle() }
        let picked = order[cursor..<min(cursor + config.batchSize, order.count)].map { windows[$0] }
        cursor += config.batchSize
        return EventBatch(windows: picked, timelines: timelines, features: features, withTargets: true)
    }

    /// The next-event loss of a batch built `withTargets` (on the tape when gradients are on).
    public func loss(_ batch: EventBatch) -> (total: Tensor, values: EncoderLoss) {
        guard let targets = batch.targets else { preconditionFailure("pretraining loss needs a batch built withTargets") }
        return EncoderLoss.nextEvent(heads(encoder(batch)), targets: targets, maxCategories: batch.maxCategories,
                                     auxiliaryWeight: encoder.config.auxiliaryLossWeight)
    }

    /// One optimiser step on `batch`; returns its loss and the gradient norm before clipping.
    @discardableResult
    public func trainStep(_ batch: EventBatch) -> (loss: EncoderLoss, gradientNorm: Float) {
        encoder.isTraining = true
        encoder.isPretraining = true
        defer { encoder.isTraining = false; encoder.isPretraining = false }
        optimizer.zeroGrad()
        let (total, values) = loss(batch)
        total.backward()
        let norm = clipGradNorm(optimizer.parameters, maxNorm: config.gradientClip)
        optimizer.learningRate = schedule.learningRate(at: step)
        Autograd.noGrad { optimizer.step() }
        step += 1
        history.append(values)
        return (values, norm)
    }

    /// Trains until `config.steps` (or until `shouldStop` says so, checked before each
    /// step — Ctrl-C). Calls `progress` after every step. Returns the losses of this call's steps.
    @discardableResult
    public func run(progress: ((EncoderPretrainingProgress) -> Void)? = nil,
                    shouldStop: (() -> Bool)? = nil) -> [EncoderLoss] {
        let start = Date(), first = history.count
        var windowsDone = 0, eventsDone = 0
        while step < config.steps {
            if shouldStop?() == true { break }
            let batch = nextBatch()
            let lr = schedule.learningRate(at: step)
            let (values, norm) = trainStep(batch)
            windowsDone += batch.batchSize
            eventsDone += batch.lengths.reduce(0, +)
            let elapsed = max(Date().timeIntervalSince(start), 1e-9)
            progress?(EncoderPretrainingProgress(step: step, totalSteps: config.steps, loss: values, learningRate: lr,
                                                 gradientNorm: norm, examplesPerSecond: Double(windowsDone) / elapsed,
                                                 eventsPerSecond: Double(eventsDone) / elapsed, elapsedSeconds: elapsed))
        }
        return Array(history[first...])
    }

    /// Mean next-event loss over `windows` (no tape, no dropout), e.g. to compare runs.
    public func evaluate(_ windows: [EventWindow], batchSize: Int = 128) -> EncoderLoss {
        var sum = EncoderLoss(total: 0, item: 0, category: 0, rating: 0), count = 0
        Autograd.noGrad {
            for chunk in stride(from: 0, to: windows.count, by: batchSize) {
                let part = Array(windows[chunk..<min(chunk + batchSize, windows.count)])
                let v = loss(EventBatch(windows: part, timelines: timelines, features: features, withTargets: true)).values
                let w = Float(part.count)
                sum.total += v.total * w; sum.item += v.item * w; sum.category += v.category * w; sum.rating += v.rating * w
                count += part.count
            }
        }
        let n = Float(max(count, 1))
        return EncoderLoss(total: sum.total / n, item: sum.item / n, category: sum.category / n, rating: sum.rating / n)
    }
}
