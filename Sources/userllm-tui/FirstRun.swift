import Explorer
import ExplorerCurses
import Foundation
import Timelines
import UserLLM

/// The explorer's first run (DESIGN §6): with no trained run for the dataset, trains one
/// through `TrainingPipeline` on a progress screen, then the explorer opens it. Ctrl-C
/// (or `q`) asks the trainer to save its checkpoint at the end of the step; the next
/// launch resumes from it.
final class FirstRun: @unchecked Sendable {
    /// The models a first run trains: the comparison the explorer is for.
    static let models: [ModelChoice] = [
        ModelChoice(mode: .xattn), ModelChoice(mode: .xattn, perceiver: true),
        ModelChoice(mode: .soft), ModelChoice(mode: .tp),
    ]

    enum Outcome { case finished, interrupted(String) }

    let pipeline: TrainingPipeline
    private let lock = NSLock()
    private var status: TrainingStatus
    private var outcome: Result<Void, Error>?
    /// Steps per stage, for the whole-run estimate.
    private let stageSteps: [String: Int]

    init(dataset: Dataset, datasetName: String, dataDir: URL, preset: Preset, run url: URL) throws {
        let config = RunConfig(dataset: datasetName, dataDir: dataDir.path, preset: preset,
                               tasks: TaskKind.allCases.map(\.rawValue))
        let context = try RunContext(run: RunDirectory(url), config: config, dataset: dataset)
        pipeline = try TrainingPipeline(context: context)
        let st = preset.stages
        var steps = ["tokenizer": 0, "lm": st.lm.steps, "encoder": st.encoder.steps]
        var names = ["tokenizer", "lm", "encoder"]
        for m in Self.models {
            steps[m.name] = m.mode == .tp ? st.finetuneTP.steps : st.finetune.steps
            names.append(m.name)
        }
        stageSteps = steps
        status = TrainingStatus(title: "Training \(datasetName) · preset \(preset.name)",
                                stages: names.map { TrainingStatus.Stage(name: $0, state: .pending) },
                                note: "starting…", runPath: url.path)
        pipeline.onStage = { [weak self] name, starts in self?.stageChanged(name, starts: starts) }
        pipeline.onProgress = { [weak self] p in self?.progressed(p) }
    }

    /// Whether `url` holds a run the explorer can open as it is: a finetuned model and
    /// no unfinished stage (an interrupted first run resumes instead).
    static func isComplete(_ url: URL) -> Bool {
        let run = RunDirectory(url)
        guard (try? run.readConfig()) != nil, let models = try? UserLLMBackend.finetunedModels(in: run), !models.isEmpty else { return false }
        let files = (try? FileManager.default.contentsOfDirectory(atPath: run.checkpointsURL.path)) ?? []
        return !files.contains { $0.hasSuffix(".resume.safetensors") }
    }

    var snapshot: TrainingStatus {
        lock.lock(); defer { lock.unlock() }
        return status
    }

    private func update(_ body: (inout TrainingStatus) -> Void) {
        lock.lock(); body(&status); lock.unlock()
    }

    private func stageChanged(_ name: String, starts: Bool) {
        update { s in
            for i in s.stages.indices where s.stages[i].state == .running { s.stages[i].state = .done }
            if let i = s.stages.firstIndex(where: { $0.name == name }) { s.stages[i].state = starts ? .running : .skipped }
            s.current = starts ? name : nil
            s.step = 0
            s.totalSteps = stageSteps[name] ?? 0
            s.losses = []
            s.validationLoss = nil
            s.tokensPerSecond = 0
            s.note = starts ? (name == "tokenizer" ? "training the BPE tokenizer on the catalogue and reviews…" : "") : s.note
        }
    }

    private func progressed(_ p: TrainerProgress) {
        update { s in
            s.current = p.stage
            s.step = p.step
            s.totalSteps = p.totalSteps
            s.losses.append(Double(p.loss))
            if let v = p.validationLoss { s.validationLoss = Double(v) }
            s.tokensPerSecond = p.tokensPerSecond
            s.stageETA = p.eta
            // Later stages at this stage's pace: a rough guide, refined at each stage.
            let left = max(1, p.totalSteps - p.step)
            let perStep = p.eta / Double(left)
            let pending = s.stages.filter { $0.state == .pending }.reduce(0) { $0 + (stageSteps[$1.name] ?? 0) }
            s.totalETA = p.eta + perStep * Double(pending)
        }
    }

    /// Trains on a background thread while the screen shows progress; returns when done
    /// or stopped (then the checkpoint is saved).
    func run(on term: CursesTerminal, theme: Theme) throws -> Outcome {
        let screen = TrainingScreen(theme: theme)
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread { [self] in
            let r = Result { _ = try pipeline.run(models: Self.models) }
            lock.lock(); outcome = r; lock.unlock()
            update { s in
                for i in s.stages.indices where s.stages[i].state == .running { s.stages[i].state = .done }
                s.current = nil
                s.note = "saved; opening the explorer…"
            }
            done.signal()
        }
        let start = DispatchTime.now().uptimeNanoseconds
        var stopping = false
        while true {
            if done.wait(timeout: .now()) == .success { break }
            if !stopping && (term.stopRequested || isQuitKey(term.readInput(timeoutMs: 100))) {
                stopping = true
                TrainingInterrupt.request()
                update { $0.note = "stopping: saving the checkpoint at the end of this step…" }
            } else if stopping {
                usleep(100_000)
            }
            screen.draw(snapshot, tick: Int((DispatchTime.now().uptimeNanoseconds - start) / 83_000_000), on: term)
            term.present()
        }
        screen.draw(snapshot, tick: 0, on: term)
        term.present()
        lock.lock(); let r = outcome!; lock.unlock()
        switch r {
        case .success: return .finished
        case .failure(let e as RunError):
            if case .interrupted = e { return .interrupted(e.description) }
            throw e
        case .failure(let e): throw e
        }
    }

    /// Trains without a screen (`--train-only`): one line per stage and every tenth of a
    /// stage on stderr; Ctrl-C saves the checkpoint and stops.
    func runHeadless() throws -> Outcome {
        TrainingInterrupt.installSignalHandler()
        let err = FileHandle.standardError
        pipeline.onStage = { [weak self] name, starts in
            self?.stageChanged(name, starts: starts)
            err.write(Data("\(starts ? "stage" : "done ") \(name)\(starts ? "" : " (already trained)")\n".utf8))
        }
        pipeline.onProgress = { [weak self] p in
            self?.progressed(p)
            let every = max(1, p.totalSteps / 10)
            guard p.step % every == 0 || p.step == p.totalSteps || p.validationLoss != nil else { return }
            let val = p.validationLoss.map { String(format: " val %.3f", $0) } ?? ""
            err.write(Data(String(format: "  %@ step %d/%d loss %.3f%@ · %.0f tokens/s · ETA %@\n", p.stage as NSString, p.step, p.totalSteps,
                                  p.loss, val as NSString, p.tokensPerSecond, TrainingScreen.duration(p.eta) as NSString).utf8))
        }
        do {
            try pipeline.run(models: Self.models)
            return .finished
        } catch let e as RunError {
            if case .interrupted = e { return .interrupted(e.description) }
            throw e
        }
    }

    private func isQuitKey(_ e: InputEvent?) -> Bool {
        if case .key(.char("q"))? = e { return true }
        return false
    }

    /// Fetches MovieLens-100K into `directory` when it is the dataset asked for and missing.
    static func fetchIfNeeded(datasetName: String, directory: URL) throws -> Bool {
        guard datasetName == "movielens-100k" else { return false }
        let fetcher = MovieLensFetcher(destination: directory)
        if fetcher.isPresent { return false }
        FileHandle.standardError.write(Data("userllm-tui: \(datasetName) is not at \(directory.path); fetching it (first run)…\n".utf8))
        _ = try fetcher.fetch { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
        return true
    }
}
