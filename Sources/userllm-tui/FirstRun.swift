import Explorer
import Foundation
import Timelines
import UserLLM
import UserLLMExplorer

/// The explorer's first run without a screen (`--train-only`), and the dataset fetch a
/// first run starts with. The interactive first run trains in the background while the
/// explorer is open (`BackgroundTrainer`, DESIGN §6).
enum FirstRun {
    enum Outcome { case finished, interrupted(String) }

    /// Trains without a screen: one line per stage and every tenth of a stage on stderr;
    /// Ctrl-C saves the checkpoint and stops.
    static func runHeadless(_ trainer: BackgroundTrainer) throws -> Outcome {
        TrainingInterrupt.installSignalHandler()
        let err = FileHandle.standardError
        var lastStage: String?
        var lastStep = -1
        trainer.onChange = {
            let s = trainer.snapshot
            for stage in s.stages where stage.state == .skipped && stage.name != lastStage {
                err.write(Data("done  \(stage.name) (already trained)\n".utf8))
            }
        }
        trainer.onProgress = {
            let s = trainer.snapshot
            guard let cur = s.current else { return }
            if cur != lastStage { err.write(Data("stage \(cur)\n".utf8)); lastStage = cur; lastStep = -1 }
            let every = max(1, s.totalSteps / 10)
            guard s.step != lastStep, s.step % every == 0 || s.step == s.totalSteps else { return }
            lastStep = s.step
            let val = s.validationLoss.map { String(format: " val %.3f", $0) } ?? ""
            let run = s.totalETA.map { " · run ETA \(TrainingScreen.duration($0))" } ?? ""
            err.write(Data(String(format: "  %@ step %d/%d loss %.3f%@ · %.2f s/step · %.0f tokens/s · ETA %@%@\n", cur as NSString, s.step, s.totalSteps,
                                  s.losses.last ?? .nan, val as NSString, s.secondsPerStep, s.tokensPerSecond,
                                  TrainingScreen.duration(s.stageETA) as NSString, run as NSString).utf8))
        }
        trainer.start()
        trainer.wait()
        switch trainer.outcome {
        case .finished, .running: return .finished
        case .interrupted(let why): return .interrupted(why)
        case .failed(let why): throw RunError.badRun(why)
        }
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
