import ArgumentParser
import Tensor
import Explorer
import ExplorerCurses
import Foundation
import Timelines
import UserLLM
import UserLLMExplorer

/// `userllm-tui`: the explorer (DESIGN §6).
@main
struct TUICommand: ParsableCommand {
    /// OpenBLAS must pick its kernels before any work: see `BLASRuntime`.
    static func main() {
        BLASRuntime.relaunchWithFastKernelsIfNeeded()
        main(nil)
    }

    static let configuration = CommandConfiguration(
        commandName: "userllm-tui",
        abstract: "Browse users and timelines; compare text prompts with user embeddings (USER-LLM).",
        discussion: "Keys: run with --print-keys for the table (also shown by ? inside the explorer).\n\n" + DatasetLocation.helpLine)

    @Option(help: "Dataset name (movielens = movielens-100k) under $USERLLM_HOME/datasets/.")
    var dataset = "movielens"
    @Option(help: "Read the dataset from this folder instead.")
    var dataDir: String?
    @Option(name: .customLong("run"), help: "Open this trained run (default: $USERLLM_HOME/runs/<dataset>-<preset>).")
    var runDir: String?
    @Option(help: "Preset of the run to open, or to train when there is none: tiny | small | base | smol (default: the first finished of small, base, tiny, smol; trains small).")
    var preset: String?
    @Flag(help: "Never train: with no finished run, browse without a model.")
    var noTrain = false
    @Flag(help: "Train (or finish) the run without opening the explorer; progress on stderr. With --preset a JSON file, a custom preset.")
    var trainOnly = false

    @Flag(help: "Render one frame to stdout and exit (no terminal needed).")
    var snapshot = false
    @Option(parsing: .unconditional, help: "Snapshot: the user's raw ID (default: the first by id).")
    var user: String?
    @Option(parsing: .unconditional, help: "Snapshot: the cut, i.e. how many events precede the target, \(OptionBounds.text(OptionBounds.cut)) (default: all but the last).",
            transform: OptionBounds.int(OptionBounds.cut))
    var cut: Int?
    @Option(help: "Snapshot: users | timeline | tasks | gates | attention.")
    var view = "users"
    @Option(help: "Snapshot: next-item | favorite-genre | review.")
    var task = "next-item"
    @Option(help: "Snapshot: WIDTHxHEIGHT, width \(OptionBounds.text(OptionBounds.screenWidth)), height \(OptionBounds.text(OptionBounds.screenHeight)).")
    var size = "80x24"
    @Flag(help: "Snapshot: with ANSI colours.")
    var ansi = false
    @Flag(name: .customLong("help-overlay"), help: "Snapshot: show the help overlay.")
    var helpOverlay = false

    @Flag(help: "No box-drawing or block characters.")
    var ascii = false
    @Option(help: "Colours: 256 | 8 | mono (default: what the terminal has).")
    var colors: String?
    @Flag(help: "Do not capture the mouse (keeps the terminal's own text selection).")
    var noMouse = false

    @Flag(help: "Print the key table as Markdown (the README's) and exit.")
    var printKeys = false
    @Flag(help: "Benchmark launch-to-first-frame and keypress-to-redraw, print the figures and exit.")
    var bench = false
    @Flag(help: "Benchmark output as JSON.")
    var json = false
    @Option(help: "Append per-frame timings (input to screen) to this file.")
    var trace: String?

    func validate() throws {
        guard ["users", "timeline", "tasks", "gates", "attention"].contains(view) else {
            throw ValidationError("--view must be users, timeline, tasks, gates or attention")
        }
        guard ExplorerTask(rawValue: task) != nil else { throw ValidationError("--task must be next-item, favorite-genre or review") }
        do { _ = try OptionBounds.screenSize(size) } catch { throw ValidationError("--size \(size): \(error)") }
        if let c = colors, ColorMode(rawValue: c) == nil { throw ValidationError("--colors must be 256, 8 or mono") }
        if let p = preset { _ = try Preset.named(p) }
    }

    func parseSize(_ s: String) -> (Int, Int)? {
        (try? OptionBounds.screenSize(s)).map { ($0.width, $0.height) }
    }

    func run() throws {
        let launched = DispatchTime.now().uptimeNanoseconds
        if printKeys {
            print(Keymap.standard.markdown(), terminator: "")
            return
        }
        let name = DatasetLocator.canonicalName(dataset)
        let dir = DatasetLocator.directory(for: dataset, dataDir: dataDir)
        let interactive = !bench && !snapshot
        if trainOnly && (bench || snapshot || noTrain) { throw ValidationError("--train-only goes alone (not with --bench, --snapshot or --no-train)") }
        if interactive && !noTrain && dataDir == nil {
            // First run: the data comes before anything else (pip's own progress on stderr).
            do { _ = try FirstRun.fetchIfNeeded(datasetName: name, directory: dir) } catch {
                FileHandle.standardError.write("userllm-tui: \(error)\n".data(using: .utf8)!)
                throw ExitCode(2)
            }
        }
        let ds: Dataset
        do {
            ds = try loadDataset(name: name, directory: dir)
        } catch {
            var msg = "userllm-tui: cannot load \(name) from \(dir.path): \(error)\n"
            if dataDir == nil { msg += "Fetch it with `userllm data fetch \(dataset)`, or point --data-dir at a folder holding it.\n" }
            FileHandle.standardError.write(msg.data(using: .utf8)!)
            throw ExitCode(2)
        }
        let loaded = DispatchTime.now().uptimeNanoseconds
        let data = ExplorerData(dataset: ds)
        let indexed = DispatchTime.now().uptimeNanoseconds
        let explicitRun = runDir.map { URL(fileURLWithPath: $0) }
        // A preset file's runs go by the preset's name.
        let presetName = try preset.map { try Preset.named($0).name }
        let runURL = BackendOpener.runURL(explicit: explicitRun, datasetName: dataset, preset: presetName)

        if trainOnly {
            try trainHeadless(data: data, runURL: runURL, datasetDir: dir)
        } else if bench {
            let (runner, _) = BackendOpener.runner(run: runURL, explicit: explicitRun != nil, data: data)
            runBench(data: data, runner: runner, launched: launched, loaded: loaded, indexed: indexed)
        } else if snapshot {
            let (runner, runLabel) = BackendOpener.runner(run: runURL, explicit: explicitRun != nil, data: data)
            try renderSnapshot(data: data, runner: runner, runLabel: runLabel)
        } else {
            try runInteractive(data: data, runURL: runURL, explicitRun: explicitRun != nil, datasetDir: dir, launched: launched)
        }
    }

    func trainHeadless(data: ExplorerData, runURL: URL, datasetDir: URL) throws {
        if BackgroundTrainer.isComplete(runURL) {
            FileHandle.standardError.write(Data("userllm-tui: \(runURL.path) is already trained\n".utf8))
            return
        }
        let p = try Preset.named(preset ?? "small")
        let trainer = try BackgroundTrainer(dataset: data.dataset, datasetName: data.dataset.name, dataDir: datasetDir, preset: p, run: runURL)
        FileHandle.standardError.write(Data("userllm-tui: training \(runURL.path) (preset \(p.name))\n".utf8))
        if case .interrupted(let why) = try FirstRun.runHeadless(trainer) {
            FileHandle.standardError.write(Data("userllm-tui: \(why)\n".utf8))
            throw ExitCode(130)
        }
        FileHandle.standardError.write(Data("userllm-tui: trained; open it with userllm-tui --run \(runURL.path)\n".utf8))
    }

    func loadDataset(name: String, directory: URL) throws -> Dataset {
        try Dataset.load(from: directory, name: name)
    }

    func initialState(data: ExplorerData, width: Int, height: Int) throws -> ExplorerState {
        var userIndex: Int32? = nil
        if let raw = user {
            guard let i = data.dataset.users.firstIndex(where: { $0.rawID == raw }) else {
                throw ValidationError("no user with id \(raw) in \(data.dataset.name)")
            }
            userIndex = Int32(i)
        }
        var s = ExplorerState.initial(data: data, width: width, height: height, user: userIndex, cut: cut)
        s.task = ExplorerTask(rawValue: task)!
        switch view {
        case "timeline": s.focus = .timeline
        case "tasks": s.focus = .detail
        case "gates": s.detail = .gates; s.focus = .detail
        case "attention": s.detail = .attention; s.focus = .detail
        default: s.focus = .users
        }
        s.showHelp = helpOverlay
        s.reconcile(data: data)
        return s
    }

    func renderSnapshot(data: ExplorerData, runner: TaskRunner, runLabel: String) throws {
        let (w, h) = parseSize(size)!
        let theme = Theme(mode: ansi ? (colors.flatMap(ColorMode.init) ?? .xterm256) : .monochrome, ascii: ascii)
        let renderer = ExplorerRenderer(data: data, theme: theme, runLabel: runLabel)
        let session = ExplorerSession(data: data, runner: runner, renderer: renderer, state: try initialState(data: data, width: w, height: h))
        // A snapshot shows finished results, never a spinner.
        runner.waitUntilIdle()
        let canvas = TextCanvas(width: w, height: h)
        session.draw(on: canvas)
        print(ansi ? canvas.ansiText() : canvas.plainText(), terminator: "")
    }

    func runInteractive(data: ExplorerData, runURL: URL, explicitRun: Bool, datasetDir: URL, launched: UInt64) throws {
        let term: CursesTerminal
        do {
            term = try CursesTerminal.start(colors: colors.flatMap(ColorMode.init), mouse: !noMouse)
        } catch {
            FileHandle.standardError.write("userllm-tui: \(error)\n".data(using: .utf8)!)
            throw ExitCode(2)
        }
        let theme = Theme(mode: term.colorMode, ascii: ascii)
        // No finished run: the explorer opens at once and the run trains in the background.
        var trainer: BackgroundTrainer?
        let runner: TaskRunner
        var runLabel: String
        var backbones: BackboneSwitch?
        if !noTrain && !BackgroundTrainer.isComplete(runURL) {
            let t: BackgroundTrainer
            do {
                let p = try Preset.named(preset ?? "small")
                t = try BackgroundTrainer(dataset: data.dataset, datasetName: data.dataset.name, dataDir: datasetDir, preset: p, run: runURL)
            } catch {
                term.stop()
                FileHandle.standardError.write("userllm-tui: cannot start training: \(error)\n".data(using: .utf8)!)
                throw ExitCode(1)
            }
            let dataset = data.dataset
            runner = TaskRunner(opening: { try UserLLMBackend(run: runURL, dataset: dataset, training: t) })
            runner.backgroundJob = { t.activeStatus }
            // The encoder alone improves while its stage trains (each validation): its
            // cached answers are redone.
            t.onChange = { runner.refresh(invalidating: [UserLLMBackend.encoderMode.id]) }
            t.onProgress = { runner.touch() }
            t.start()
            trainer = t
            runLabel = runURL.lastPathComponent + " (training)"
        } else {
            (runner, runLabel) = BackendOpener.runner(run: runURL, explicit: explicitRun, data: data)
            backbones = BackendOpener.backboneSwitch(run: runURL, datasetName: dataset, dataDir: dataDir, data: data)
        }
        let renderer = ExplorerRenderer(data: data, theme: theme, runLabel: runLabel)
        let state: ExplorerState
        do { state = try initialState(data: data, width: term.width, height: term.height) } catch {
            term.stop()
            throw error
        }
        let session = ExplorerSession(data: data, runner: runner, renderer: renderer, state: state, backbones: backbones)
        let traceFile = trace.flatMap { path -> FileHandle? in
            if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: nil) }
            let h = FileHandle(forWritingAtPath: path)
            h?.seekToEndOfFile()
            return h
        }
        session.run(on: term) { t in
            traceFile?.write(String(format: "frame inputs=%d total_ms=%.3f update_ms=%.3f draw_ms=%.3f present_ms=%.3f\n",
                                    t.inputs, t.seconds * 1e3, t.update * 1e3, t.draw * 1e3, t.present * 1e3).data(using: .utf8)!)
        }
        term.stop()
        traceFile?.closeFile()
        // Answers stop at their next decoding step; opening a run cannot be interrupted.
        let jobsEnded = runner.stop(waitingAtMost: 2)
        if let t = trainer, case .running = t.outcome {
            // Quitting mid-training: the step ends, the checkpoint is saved, the next launch resumes.
            FileHandle.standardError.write(Data("userllm-tui: saving the training checkpoint (the next launch resumes)…\n".utf8))
            if !t.stop() { FileHandle.standardError.write(Data("userllm-tui: the training step did not end in time; the last checkpoint stands\n".utf8)) }
            if case .interrupted(let why) = t.outcome { FileHandle.standardError.write(Data("userllm-tui: \(why)\n".utf8)) }
        }
        if term.stopSignal != 0 && jobsEnded && trainer == nil { throw ExitCode(128 + term.stopSignal) }
        if trainer != nil || !jobsEnded {
            // The checkpoint is saved and the terminal restored, but a thread may still be at
            // work (a training step, an opening run): the process's teardown would run
            // library destructors (OpenBLAS joins its threads) under it and could hang, as the
            // tmux test saw after quitting mid-training and right after opening a run under
            // load. Nothing is left to save, so leave without the teardown.
            fflush(stdout)
            fflush(stderr)
            _exit(term.stopSignal != 0 ? Int32(128 + term.stopSignal) : 0)
        }
    }
}
