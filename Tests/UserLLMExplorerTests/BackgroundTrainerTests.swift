import Explorer
import Foundation
import Timelines
import UserLLM
import UserLLMExplorer
import XCTest

/// The explorer's background training on real MovieLens-100K (a quick `tiny`): the
/// encoder first, each model's column reporting its state until its checkpoint exists,
/// answers as soon as it does, and stop → resume without retraining finished stages.
final class BackgroundTrainerTests: XCTestCase {
    private func dataset() throws -> Dataset {
        try Dataset.load(from: TinyRun.dataDirectory, name: "movielens-100k")
    }

    private func folder(_ name: String) -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("userllm-bg-\(name)-\(getpid())")
        try? FileManager.default.removeItem(at: url)
        return url
    }

    private func stageStarts(_ run: URL) throws -> [String] {
        let log = try String(contentsOf: run.appendingPathComponent("log.txt"), encoding: .utf8)
        return log.split(separator: "\n").compactMap { line in
            guard let r = line.range(of: "stage "), line.hasSuffix(" start") else { return nil }
            return String(line[r.upperBound...].dropLast(" start".count))
        }
    }

    func testEncoderFirstColumnsFollowTrainingAndAnswersComeWhenReady() throws {
        let ds = try dataset()
        let url = folder("order")
        defer { try? FileManager.default.removeItem(at: url) }
        let trainer = try BackgroundTrainer(dataset: ds, datasetName: "movielens-100k", dataDir: TinyRun.dataDirectory,
                                            preset: try TinyRun.quickPreset(), run: url)
        let backend = try UserLLMBackend(run: url, dataset: ds, training: trainer)
        XCTAssertEqual(backend.info.modes.map(\.id), ["encoder", "xattn", "xattn+perceiver", "soft", "tp"])
        for m in backend.info.modes {
            let t = try XCTUnwrap(backend.training(m), "\(m.id) must report training before anything ran")
            XCTAssertEqual(t.state, .queued)
        }
        // What the columns said while each stage ran: (stage, encoder ready?, perceiver state, tp ETA ≥ perceiver ETA).
        let lock = NSLock()
        var seen: [(String, Bool, ModeTraining.State?, Bool)] = []
        let modes = Dictionary(uniqueKeysWithValues: backend.info.modes.map { ($0.id, $0) })
        trainer.onProgress = {
            let s = trainer.snapshot
            let p = backend.training(modes["xattn+perceiver"]!)
            let tp = backend.training(modes["tp"]!)
            lock.lock()
            seen.append((s.current ?? "", backend.training(modes["encoder"]!) == nil, p?.state,
                         (tp?.eta ?? 0) >= (p?.eta ?? 0)))
            lock.unlock()
        }
        trainer.start()
        trainer.wait()
        guard case .finished = trainer.outcome else { return XCTFail("training did not finish: \(trainer.outcome)") }
        XCTAssertEqual(try stageStarts(url), ["encoder", "tokenizer", "lm", "xattn+perceiver-full", "tp-full", "xattn-full", "soft-full"])
        XCTAssertTrue(seen.filter { $0.0 == "encoder" }.allSatisfy { !$0.1 }, "the encoder is not ready while it trains")
        XCTAssertTrue(seen.filter { $0.0 == "lm" }.allSatisfy { $0.1 }, "the encoder answers once its stage is done")
        XCTAssertTrue(seen.filter { $0.0 == "lm" }.allSatisfy { $0.2 == .training }, "the Perceiver model trains through the LM it needs")
        XCTAssertTrue(seen.filter { $0.0 == "encoder" }.allSatisfy { $0.2 == .training }, "the encoder is a stage of the Perceiver model too")
        XCTAssertTrue(seen.filter { $0.0 != "tp-full" && $0.0 != "xattn-full" && $0.0 != "soft-full" }.allSatisfy { $0.3 },
                      "TP comes after the Perceiver model: its ETA is never sooner")
        XCTAssertNil(trainer.activeStatus, "nothing for the status bar once trained")
        for m in backend.info.modes { XCTAssertNil(backend.training(m), m.id) }
        // Every mode answers, the encoder alone included (opened before the tokenizer existed).
        let data = ExplorerData(dataset: ds)
        let q = try XCTUnwrap(data.query(user: 0, cut: 20, task: .nextItem, topK: 5))
        for m in backend.info.modes {
            let r = try backend.run(q, mode: m, control: JobControl())
            XCTAssertEqual(r.answers.count, 5, m.id)
        }
        XCTAssertTrue(BackgroundTrainer.isComplete(url))
    }

    /// The encoder alone answers from its first validated weights, long before its stage ends.
    func testEncoderAnswersAfterItsFirstValidation() throws {
        let ds = try dataset()
        let url = folder("early")
        defer { try? FileManager.default.removeItem(at: url) }
        var preset = try TinyRun.quickPreset()
        preset.stages.encoder.steps = 40
        preset.stages.encoder.evalEvery = 8
        let trainer = try BackgroundTrainer(dataset: ds, datasetName: "movielens-100k", dataDir: TinyRun.dataDirectory, preset: preset, run: url)
        let backend = try UserLLMBackend(run: url, dataset: ds, training: trainer)
        let encoder = backend.info.modes.first { $0.id == "encoder" }!
        let lock = NSLock()
        var readyAt: [Int: Bool] = [:]
        let validated = DispatchSemaphore(value: 0)
        let resume = DispatchSemaphore(value: 0)
        trainer.onProgress = {
            let s = trainer.snapshot
            guard s.current == "encoder" else { return }
            lock.lock(); readyAt[s.step] = backend.training(encoder) == nil; lock.unlock()
            if s.step == 9 { validated.signal(); resume.wait() }  // hold the stage while the test asks
        }
        trainer.start()
        XCTAssertEqual(validated.wait(timeout: .now() + 600), .success)
        XCTAssertNil(backend.training(encoder), "validated weights exist: the encoder answers")
        let q = try XCTUnwrap(ExplorerData(dataset: ds).query(user: 0, cut: 20, task: .nextItem, topK: 5))
        XCTAssertEqual(try backend.run(q, mode: encoder, control: JobControl()).answers.count, 5)
        XCTAssertFalse(FileManager.default.fileExists(atPath: url.appendingPathComponent("checkpoints/encoder.safetensors").path),
                       "the stage is still running")
        resume.signal()
        XCTAssertTrue(trainer.stop())
        lock.lock(); defer { lock.unlock() }
        XCTAssertEqual(readyAt[7], false, "no validated weights before step 8")
        XCTAssertEqual(readyAt[8], true)
    }

    func testStopSavesAndTheNextLaunchResumes() throws {
        let ds = try dataset()
        let url = folder("resume")
        defer { try? FileManager.default.removeItem(at: url) }
        let preset = try TinyRun.quickPreset(steps: 16)
        let first = try BackgroundTrainer(dataset: ds, datasetName: "movielens-100k", dataDir: TinyRun.dataDirectory, preset: preset, run: url)
        let reached = DispatchSemaphore(value: 0)
        first.onProgress = {
            let s = first.snapshot
            if s.current == "lm" && s.step == 4 { reached.signal() }
        }
        first.start()
        XCTAssertEqual(reached.wait(timeout: .now() + 600), .success)
        XCTAssertTrue(first.stop())
        guard case .interrupted = first.outcome else { return XCTFail("expected an interrupted run: \(first.outcome)") }
        let resume = url.appendingPathComponent("checkpoints/lm.resume.safetensors")
        XCTAssertTrue(FileManager.default.fileExists(atPath: resume.path), "no LM checkpoint after stop()")
        XCTAssertFalse(BackgroundTrainer.isComplete(url))

        let second = try BackgroundTrainer(dataset: ds, datasetName: "movielens-100k", dataDir: TinyRun.dataDirectory, preset: preset, run: url)
        let lock = NSLock()
        var firstLMStep: Int?
        second.onProgress = {
            let s = second.snapshot
            lock.lock()
            if s.current == "lm" && firstLMStep == nil { firstLMStep = s.step }
            lock.unlock()
        }
        XCTAssertNil(second.training(modeID: "encoder"), "the encoder trained in the first launch is ready at once")
        second.start()
        second.wait()
        guard case .finished = second.outcome else { return XCTFail("resume did not finish: \(second.outcome)") }
        let snap = second.snapshot
        XCTAssertEqual(snap.stages.first { $0.name == "encoder" }?.state, .skipped)
        XCTAssertGreaterThan(firstLMStep ?? 0, 4, "the LM resumed from its checkpoint instead of step 1")
        XCTAssertEqual(try stageStarts(url).filter { $0 == "encoder" }.count, 1, "the encoder trained twice")
        XCTAssertTrue(BackgroundTrainer.isComplete(url))
    }
}
