import Explorer
import Foundation
import Tensor
import Timelines
import UserLLM

/// Trains a run in the background while the explorer stays usable (DESIGN §6): the
/// stages of `TrainingPipeline` on one low-priority thread limited to the cores the
/// foreground leaves (all but one), the encoder first so "encoder alone" answers within
/// about a minute, then the models in `models` order. Each model's column reads its state
/// from `training(modeID:)`; `onChange` fires when a stage finishes (a model may answer
/// now), `onProgress` after every step. `stop()` saves the checkpoint at the end of the
/// step; the next launch resumes from it.
public final class BackgroundTrainer: @unchecked Sendable {
    /// The models a first run trains, in order: the Perceiver cross-attention model (the
    /// paper's best) first, then TP (the baseline it is compared with), then the rest.
    public static let models: [ModelChoice] = [
        ModelChoice(mode: .xattn, perceiver: true), ModelChoice(mode: .tp),
        ModelChoice(mode: .xattn), ModelChoice(mode: .soft),
    ]

    public enum Outcome: Sendable { case running, finished, interrupted(String), failed(String) }

    public let pipeline: TrainingPipeline
    /// A stage finished or started (a model may be ready); called on the training thread.
    public var onChange: (() -> Void)?
    /// After every step (redraw); called on the training thread.
    public var onProgress: (() -> Void)?

    private let lock = NSLock()
    private var status: TrainingStatus
    private var outcomeValue: Outcome = .running
    private let finished = DispatchSemaphore(value: 0)
    private var started = false
    /// Steps per stage (0 for the tokenizer).
    private let stageSteps: [String: Int]
    /// Stage names in run order.
    private let stageOrder: [String]
    /// Measured seconds per step by kind of stage ("lm", "encoder", "finetune", "finetune-tp").
    private var measuredPace: [String: Double] = [:]
    private var tokenizerSeconds: Double?
    private var stageStarted = DispatchTime.now().uptimeNanoseconds
    /// The encoder stage has saved validated weights (its resume file holds "best.*").
    private var earlyEncoder = false

    public init(dataset: Dataset, datasetName: String, dataDir: URL, preset: Preset, run url: URL) throws {
        let config = RunConfig(dataset: datasetName, dataDir: dataDir.path, preset: preset,
                               tasks: TaskKind.allCases.map(\.rawValue))
        let context = try RunContext(run: RunDirectory(url), config: config, dataset: dataset)
        pipeline = try TrainingPipeline(context: context)
        let st = preset.stages
        var steps = ["encoder": st.encoder.steps, "tokenizer": 0, "lm": st.lm.steps]
        var names = ["encoder", "tokenizer", "lm"]
        for m in Self.models {
            steps[m.name] = m.mode == .tp ? st.finetuneTP.steps : st.finetune.steps
            names.append(m.name)
        }
        stageSteps = steps
        stageOrder = names
        status = TrainingStatus(title: "Training \(datasetName) · preset \(preset.name)",
                                stages: names.map { TrainingStatus.Stage(name: $0, state: .pending) },
                                note: "starting…", runPath: url.path)
        // Stages done in an earlier launch: ready now, and their pace guides the estimates.
        for (name, stage) in pipeline.metrics.stages {
            if let t = stage.training, t.steps > t.resumedFrom, stage.seconds > 0 {
                measuredPace[Self.kind(name)] = stage.seconds / Double(t.steps - t.resumedFrom)
            } else if name == "tokenizer" {
                tokenizerSeconds = stage.seconds
            }
        }
        // An encoder stage interrupted after a validation: its best weights so far answer.
        earlyEncoder = FileManager.default.fileExists(atPath: url.appendingPathComponent("checkpoints/encoder.resume.safetensors").path)
        // Stages a previous launch finished are ready before this one starts.
        let run = pipeline.run
        for i in status.stages.indices {
            let name = status.stages[i].name
            let artifact = name == "tokenizer" ? run.tokenizerURL : run.checkpointURL(name)
            if pipeline.isDone(name, artifact: artifact) { status.stages[i].state = .skipped }
        }
        pipeline.onStage = { [weak self] name, starts in self?.stageChanged(name, starts: starts) }
        pipeline.onProgress = { [weak self] p in self?.progressed(p) }
    }

    /// Whether `url` holds a run the explorer can open as it is: every model of a first
    /// run finetuned and no unfinished stage.
    public static func isComplete(_ url: URL) -> Bool {
        let run = RunDirectory(url)
        guard (try? run.readConfig()) != nil, let models = try? UserLLMBackend.finetunedModels(in: run), !models.isEmpty else { return false }
        let files = (try? FileManager.default.contentsOfDirectory(atPath: run.checkpointsURL.path)) ?? []
        return !files.contains { $0.hasSuffix(".resume.safetensors") }
    }

    /// Starts training on its own thread (once).
    public func start() {
        lock.lock()
        if started { lock.unlock(); return }
        started = true
        lock.unlock()
        TrainingInterrupt.reset()
        let thread = Thread(block: { [self] in
            // Lower priority than the UI and the answers (on Linux, who = 0 is this thread
            // alone); all cores but one.
            setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 10)
            let cores = max(1, Parallel.cores - 1)
            let result = Result { try Parallel.withBLASThreads(cores) { try Parallel.withCoreLimit(cores) { try pipeline.run(models: Self.models) } } }
            finish(result.map { _ in () })
        })
        thread.name = "userllm.background-training"
        thread.qualityOfService = .utility
        thread.start()
    }

    /// Asks the training to stop at the end of the current step (saving its checkpoint)
    /// and waits up to `timeout` seconds for it; true when it has stopped.
    @discardableResult
    public func stop(timeout: Double = 120) -> Bool {
        lock.lock()
        let running = started
        if case .running = outcomeValue, running { status.note = "stopping: saving the checkpoint at the end of this step…" }
        lock.unlock()
        guard running else { return true }
        TrainingInterrupt.request()
        guard finished.wait(timeout: .now() + timeout) == .success else { return false }
        finished.signal()  // later waiters
        return true
    }

    /// Blocks until training ends (tests).
    public func wait() {
        finished.wait()
        finished.signal()
    }

    public var outcome: Outcome {
        lock.lock(); defer { lock.unlock() }
        return outcomeValue
    }

    public var snapshot: TrainingStatus {
        lock.lock(); defer { lock.unlock() }
        return status
    }

    /// The status bar's job: nil once everything is trained.
    public var activeStatus: TrainingStatus? {
        lock.lock(); defer { lock.unlock() }
        if case .finished = outcomeValue { return nil }
        return status
    }

    /// The stages a mode's model needs, its own last.
    func stagesNeeded(modeID: String) -> [String] {
        if modeID == UserLLMBackend.encoderMode.id { return ["encoder"] }
        guard let m = Self.models.first(where: { $0.explorerModeID == modeID }) else { return [] }
        return (m.mode.usesEncoder ? ["encoder"] : []) + ["tokenizer", "lm", m.name]
    }

    /// How far `modeID`'s model is; nil when it is trained (its checkpoint exists).
    public func training(modeID: String) -> ModeTraining? {
        let needed = stagesNeeded(modeID: modeID)
        guard let own = needed.last else { return nil }
        lock.lock(); defer { lock.unlock() }
        guard let ownStage = status.stages.first(where: { $0.name == own }) else { return nil }
        if ownStage.state == .done || ownStage.state == .skipped { return nil }
        // The encoder alone answers from its first validated weights (the resume file).
        if own == "encoder" && status.current == "encoder" && earlyEncoder { return nil }
        let eta = etaLocked(until: own)
        if case .failed(let why) = outcomeValue {
            return ModeTraining(state: .queued, stage: "failed: \(why)")
        }
        if let cur = status.current, needed.contains(cur) {
            return ModeTraining(state: .training, stage: cur, step: status.step, totalSteps: status.totalSteps, eta: eta, losses: status.losses)
        }
        return ModeTraining(state: .queued, stage: status.current ?? "", eta: eta)
    }

    // MARK: Progress

    private static func kind(_ stage: String) -> String {
        switch stage {
        case "encoder", "lm", "tokenizer": return stage
        default: return stage.hasPrefix("tp") ? "finetune-tp" : "finetune"
        }
    }

    /// Seconds a stage not yet started will take: its steps at the measured pace of its
    /// kind, else (nothing measured yet) at the current stage's recent pace.
    private func estimateLocked(_ stage: String) -> Double {
        if stage == "tokenizer" { return tokenizerSeconds ?? 0 }
        let steps = Double(stageSteps[stage] ?? 0)
        if let pace = measuredPace[Self.kind(stage)] { return steps * pace }
        return steps * status.secondsPerStep
    }

    /// Seconds until `stage` is done: what is left of the current stage, then every
    /// pending stage up to it in run order.
    private func etaLocked(until stage: String) -> Double? {
        guard let target = stageOrder.firstIndex(of: stage) else { return nil }
        var total = 0.0
        for (i, s) in status.stages.enumerated() where i <= target {
            switch s.state {
            case .done, .skipped: continue
            case .running: total += status.current == s.name && status.step > 0 ? status.stageETA : estimateLocked(s.name)
            case .pending: total += estimateLocked(s.name)
            }
        }
        return total.isFinite ? total : nil
    }

    private func stageChanged(_ name: String, starts: Bool) {
        let now = DispatchTime.now().uptimeNanoseconds
        lock.lock()
        for i in status.stages.indices where status.stages[i].state == .running {
            let prev = status.stages[i].name
            status.stages[i].state = .done
            // The finished stage's pace guides the estimates of stages of its kind.
            let seconds = Double(now - stageStarted) / 1e9
            if prev == "tokenizer" { tokenizerSeconds = seconds } else if status.step > 0 {
                measuredPace[Self.kind(prev)] = seconds / Double(status.step)
            }
        }
        if let i = status.stages.firstIndex(where: { $0.name == name }) { status.stages[i].state = starts ? .running : .skipped }
        status.current = starts ? name : nil
        status.step = 0
        status.totalSteps = stageSteps[name] ?? 0
        status.losses = []
        status.validationLoss = nil
        status.tokensPerSecond = 0
        status.secondsPerStep = starts ? status.secondsPerStep : 0
        status.stageETA = estimateLocked(name)
        status.note = starts ? (name == "tokenizer" ? "training the BPE tokenizer on the catalogue and reviews…" : "") : status.note
        stageStarted = now
        status.totalETA = etaLocked(until: stageOrder.last!)
        lock.unlock()
        onChange?()
    }

    private func progressed(_ p: TrainerProgress) {
        lock.lock()
        status.current = p.stage
        status.step = p.step
        status.totalSteps = p.totalSteps
        status.losses.append(Double(p.loss))
        if let v = p.validationLoss { status.validationLoss = Double(v) }
        status.tokensPerSecond = p.tokensPerSecond
        status.secondsPerStep = p.secondsPerStep
        status.stageETA = p.eta
        status.totalETA = etaLocked(until: stageOrder.last!)
        // A validation of the encoder stage has just saved its resume file (best weights).
        let validated = p.validationLoss != nil && p.step < p.totalSteps
        if validated && p.stage == "encoder" { earlyEncoder = true }
        lock.unlock()
        onProgress?()
        if validated && p.stage == "encoder" { onChange?() }
    }

    private func finish(_ result: Result<Void, Error>) {
        lock.lock()
        for i in status.stages.indices where status.stages[i].state == .running {
            if case .success = result { status.stages[i].state = .done }
        }
        switch result {
        case .success:
            outcomeValue = .finished
            status.current = nil
            status.note = "trained"
        case .failure(let e as RunError):
            if case .interrupted = e {
                outcomeValue = .interrupted(e.description)
                status.note = "stopped; the checkpoint is saved and the next launch resumes"
            } else {
                outcomeValue = .failed(e.description)
                status.note = "training failed: \(e.description)"
            }
            status.current = nil
        case .failure(let e):
            outcomeValue = .failed("\(e)")
            status.current = nil
            status.note = "training failed: \(e)"
        }
        lock.unlock()
        finished.signal()
        onChange?()
    }
}
