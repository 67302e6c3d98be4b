import Foundation
import NN
import Tensor

/// Runs one training stage: AdamW on the trainable parameters, warmup + cosine learning
/// rate, global gradient clipping, validation every `evalEvery` steps with early stopping on
/// the validation loss (the best weights are kept), and a resume checkpoint written
/// atomically at every validation and on interrupt.
///
/// Resume is exact: the checkpoint holds every parameter, the optimiser state, the best
/// weights so far and the step, and callers build the batch of step s from s alone (a
/// seeded order), so an interrupted and resumed stage ends where an uninterrupted one does.
///
/// Files: `<dir>/<name>.safetensors` (the result: weights only, written at the end) and
/// `<dir>/<name>.resume.safetensors` (tensors "param.*", "adam.*", "best.*"; metadata step,
/// best loss, evaluations without improvement), removed once the stage is done.
public final class Trainer {
    public let name: String
    public let config: TrainerConfig
    /// Every parameter of the model (frozen ones are saved, not optimised).
    public let parameters: [(String, Tensor)]
    public let directory: URL?
    /// One line per step for log.txt.
    public var log: ((String) -> Void)?
    public var progress: ((TrainerProgress) -> Void)?
    /// Seconds on a monotonic clock, for the ETA (tests drive it by hand).
    public var clock: () -> Double = { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
    private let optimizer: AdamW
    /// The parameters `isGate` picks, stepped at `config.gateLearningRateScale` × the
    /// schedule's rate (nil when there are none or the scale is 1).
    private let gateOptimizer: AdamW?

    /// `isGate`: which parameters (by name) are cross-attention gates and take
    /// `config.gateLearningRateScale`; nil = none.
    public init(name: String, parameters: [(String, Tensor)], config: TrainerConfig, directory: URL?,
                isGate: ((String) -> Bool)? = nil) {
        self.name = name
        self.parameters = parameters
        self.config = config
        self.directory = directory
        let trainable = parameters.filter { $0.1.requiresGrad }
        let scaled = (config.gateLearningRateScale ?? 1) != 1 ? isGate : nil
        let adam = AdamWConfig(learningRate: config.learningRate, weightDecay: config.weightDecay)
        optimizer = AdamW(parameters: trainable.filter { !(scaled?($0.0) ?? false) }, config: adam)
        let gates = trainable.filter { scaled?($0.0) ?? false }
        gateOptimizer = gates.isEmpty ? nil : AdamW(parameters: gates, config: adam)
    }

    /// Where the schedule stands at step `s`: with a time budget, whichever is further along,
    /// the steps or the time (as a fraction of the steps), so a stage the budget stops ends
    /// its cosine at the floor as a stage that runs all its steps does, not at a high rate.
    public func scheduledStep(_ s: Int, elapsed: Double) -> Int {
        guard let budget = config.timeBudgetSeconds else { return s }
        return max(s, min(config.steps, Int(Double(config.steps) * max(0, elapsed) / budget)))
    }

    public var resultURL: URL? { directory?.appendingPathComponent("\(name).safetensors") }
    public var resumeURL: URL? { directory?.appendingPathComponent("\(name).resume.safetensors") }

    /// Trains. `step(s)` builds batch s, runs the forward and returns the loss (on the tape)
    /// and how many tokens it processed; `validate()` returns the validation loss (run
    /// without a tape). Throws `RunError.interrupted` after saving when interrupted.
    public func train(step: (Int) throws -> (loss: Tensor, tokens: Int), validate: () throws -> Float) throws -> TrainerResult {
        var state = try loadResume() ?? ResumeState()
        let trainable = optimizer.parameters + (gateOptimizer?.parameters ?? [])
        let schedule = config.schedule
        var result = TrainerResult(stage: name, steps: state.step, trainLosses: [], validationLosses: [],
                                   bestValidationLoss: state.best, stoppedEarly: false, seconds: 0,
                                   tokensPerSecond: 0, resumedFrom: state.step)
        let start = Date()
        var tokens = 0
        var s = state.step
        var pace = StepPace()
        let budgetStart = clock()
        while s < config.steps {
            if TrainingInterrupt.isRequested {
                try saveResume(state)
                result.seconds = Date().timeIntervalSince(start)
                throw RunError.interrupted(stage: name, step: s)
            }
            let lr = schedule.learningRate(at: scheduledStep(s, elapsed: clock() - budgetStart))
            optimizer.learningRate = lr
            gateOptimizer?.learningRate = lr * (config.gateLearningRateScale ?? 1)
            optimizer.zeroGrad()
            gateOptimizer?.zeroGrad()
            let stepStart = clock()
            let (loss, n) = try step(s)
            let lossValue = loss.item
            guard lossValue.isFinite else {
                throw RunError.badRun("stage \(name): the loss became \(lossValue) at step \(s); lower the learning rate")
            }
            loss.backward()
            clipGradNorm(trainable, maxNorm: config.gradClip)
            optimizer.step()
            gateOptimizer?.step()
            pace.addStep(seconds: clock() - stepStart, tokens: n)
            s += 1
            state.step = s
            tokens += n
            result.trainLosses.append(.init(step: s, loss: lossValue))
            var report = TrainerProgress(stage: name, step: s, totalSteps: config.steps, loss: lossValue, learningRate: lr,
                                         tokensPerSecond: pace.tokensPerSecond, eta: 0, validationLoss: nil)
            var line = "\(name) step \(s)/\(config.steps) loss \(String(format: "%.4f", lossValue)) lr \(String(format: "%.2e", lr)) tok/s \(Int(report.tokensPerSecond))"
            var stop = false
            let outOfTime = config.timeBudgetSeconds.map { clock() - budgetStart >= $0 } ?? false
            if (config.evalEvery > 0 && s % config.evalEvery == 0) || s == config.steps || outOfTime {
                let validationStart = clock()
                let v = try Autograd.noGrad { try validate() }
                pace.addValidation(seconds: clock() - validationStart)
                report.validationLoss = v
                result.validationLosses.append(.init(step: s, loss: v))
                line += " val \(String(format: "%.4f", v))"
                if v < (state.best ?? .infinity) {
                    state.best = v
                    state.badEvaluations = 0
                    state.bestWeights = trainable.map { ($0.0, $0.1.copy()) }
                } else {
                    state.badEvaluations += 1
                    stop = config.patience > 0 && state.badEvaluations >= config.patience
                }
                if s < config.steps && !stop { try saveResume(state) }
            }
            report.secondsPerStep = pace.secondsPerStep ?? 0
            report.eta = pace.eta(steps: config.steps - s,
                                  validations: StepPace.validationsLeft(done: s, total: config.steps, every: config.evalEvery))
            if let budget = config.timeBudgetSeconds {
                // The budget ends the stage first when the steps would outlast it: what is left
                // of it, then the last step and the closing validation.
                let left = max(0, budget - (clock() - budgetStart)) + (report.secondsPerStep)
                    + (pace.validationSeconds ?? report.secondsPerStep)
                report.eta = min(report.eta, outOfTime ? 0 : left)
            }
            log?(line)
            progress?(report)
            if outOfTime && !stop {
                result.stoppedEarly = true
                log?("\(name) stopped at step \(s): its time budget of \(Int(config.timeBudgetSeconds ?? 0)) s is spent")
                break
            }
            if stop {
                result.stoppedEarly = true
                log?("\(name) early stop at step \(s): no better validation loss in \(config.patience) evaluations")
                break
            }
        }
        // The stage's result: the best validated weights.
        if let best = state.bestWeights {
            let byName = Dictionary(best, uniquingKeysWith: { a, _ in a })
            for (n, p) in trainable { if let b = byName[n] { p.assign(b) } }
        }
        if let url = resultURL {
            try Safetensors.write(parameters, metadata: ["stage": name, "steps": "\(s)"], to: url)
            if let r = resumeURL { try? FileManager.default.removeItem(at: r) }
        }
        result.steps = s
        result.bestValidationLoss = state.best
        result.seconds = Date().timeIntervalSince(start)
        result.tokensPerSecond = Double(tokens) / max(result.seconds, 1e-9)
        return result
    }

    private struct ResumeState {
        var step = 0
        var best: Float?
        var badEvaluations = 0
        var bestWeights: [(String, Tensor)]?
    }

    private func saveResume(_ state: ResumeState) throws {
        guard let url = resumeURL else { return }
        var tensors = parameters.map { ("param.\($0.0)", $0.1) }
        let adam = optimizer.state().merging(gateOptimizer?.state() ?? [:]) { a, _ in a }
        tensors += adam.sorted { $0.key < $1.key }.map { ("adam.\($0.key)", $0.value) }
        tensors += (state.bestWeights ?? []).map { ("best.\($0.0)", $0.1) }
        var meta = ["stage": name, "step": "\(state.step)", "bad_evaluations": "\(state.badEvaluations)"]
        if let b = state.best { meta["best_validation_loss"] = "\(b)" }
        try Safetensors.write(tensors, metadata: meta, to: url)
    }

    private func loadResume() throws -> ResumeState? {
        guard let url = resumeURL, FileManager.default.fileExists(atPath: url.path) else { return nil }
        let file = try Safetensors.read(url)
        guard let stepText = file.metadata["step"], let step = Int(stepText) else {
            throw RunError.badRun("\(url.path): no step in the metadata")
        }
        try file.withPrefix("param.").load(into: parameters, strict: true)
        var adam: [String: Tensor] = [:]
        var best: [(String, Tensor)] = []
        for e in file.entries {
            if e.name.hasPrefix("adam.") { adam[String(e.name.dropFirst(5))] = e.tensor }
            if e.name.hasPrefix("best.") { best.append((String(e.name.dropFirst(5)), e.tensor)) }
        }
        try optimizer.loadState(adam)
        try gateOptimizer?.loadState(adam)
        var state = ResumeState()
        state.step = step
        state.best = file.metadata["best_validation_loss"].flatMap(Float.init)
        state.badEvaluations = file.metadata["bad_evaluations"].flatMap(Int.init) ?? 0
        state.bestWeights = best.isEmpty ? nil : best
        return state
    }
}
