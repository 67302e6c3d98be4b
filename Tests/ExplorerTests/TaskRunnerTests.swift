import XCTest
import Explorer

final class TaskRunnerTests: XCTestCase {
    let data = ExplorerData(dataset: FixtureDataset.make())

    func query(cut: Int, task: ExplorerTask = .nextItem) -> TaskQuery {
        data.query(user: 1, cut: cut, task: task)!
    }

    func testEmbeddingModesRunBeforeTheTextPromptAndResultsAreCached() {
        let b = FixtureBackend(data: data)
        let r = TaskRunner(opening: { b })
        r.request(query(cut: 5), attention: false)
        r.waitUntilIdle()
        XCTAssertEqual(b.calls, ["soft@5", "xattn@5", "xattn+perceiver@5", "tp@5"])
        let snap = r.snapshot(for: query(cut: 5))
        XCTAssertEqual(snap.modes.map(\.mode.id), ["soft", "xattn", "xattn+perceiver", "tp"])
        XCTAssertTrue(snap.modes.allSatisfy { $0.status.value != nil })
        XCTAssertEqual(snap.gates.value?.count, 3)
        // Back and forth: the cut-5 results come from the cache.
        r.request(query(cut: 6), attention: false)
        r.waitUntilIdle()
        r.request(query(cut: 5), attention: false)
        r.waitUntilIdle()
        XCTAssertEqual(b.calls.count, 8)
    }

    /// Background training: a mode still training is never called; its column shows the
    /// training state; once it is ready, `refresh()` answers it without a new request.
    func testModesStillTrainingWaitAndAnswerWhenReady() {
        let b = FixtureBackend(data: data)
        b.trainingModes = ["tp": ModeTraining(state: .queued, stage: "lm", eta: 90),
                           "xattn": ModeTraining(state: .training, stage: "xattn", step: 3, totalSteps: 10, eta: 20, losses: [3, 2.5])]
        let r = TaskRunner(opening: { b })
        let job = TrainingStatus(title: "Training fixture", stages: [.init(name: "xattn", state: .running)])
        r.backgroundJob = { job }
        r.request(query(cut: 5), attention: false)
        r.waitUntilIdle()
        XCTAssertEqual(b.calls, ["soft@5", "xattn+perceiver@5"])
        var snap = r.snapshot(for: query(cut: 5))
        XCTAssertEqual(snap.training["xattn"]?.step, 3)
        XCTAssertEqual(snap.training["tp"]?.state, .queued)
        XCTAssertNil(snap.training["soft"])
        XCTAssertEqual(snap.job?.title, "Training fixture")
        XCTAssertFalse(snap.isBusy, "modes waiting for training are not busy work (no spinner-rate redraws)")
        let v = r.version
        b.trainingModes = ["tp": ModeTraining(state: .queued, stage: "lm")]
        r.refresh()
        r.waitUntilIdle()
        XCTAssertGreaterThan(r.version, v)
        XCTAssertEqual(b.calls, ["soft@5", "xattn+perceiver@5", "xattn@5"])
        snap = r.snapshot(for: query(cut: 5))
        XCTAssertNotNil(snap.modes.first { $0.mode.id == "xattn" }?.status.value)
        XCTAssertNil(snap.modes.first { $0.mode.id == "tp" }?.status.value)
        b.trainingModes = [:]
        r.refresh()
        r.waitUntilIdle()
        XCTAssertEqual(b.calls.last, "tp@5")
    }

    /// A mode that answers only some tasks (the encoder alone: next item) has no column elsewhere.
    func testModesLimitedToSomeTasks() {
        XCTAssertTrue(ModeDescriptor(id: "e", title: "E", tasks: [.nextItem]).answers(.nextItem))
        XCTAssertFalse(ModeDescriptor(id: "e", title: "E", tasks: [.nextItem]).answers(.favoriteGenre))
        XCTAssertTrue(ModeDescriptor(id: "x", title: "X").answers(.review))
    }

    /// A runner whose query at cut 5 is under way with TP (the last mode) running, blocked
    /// until it is cancelled.
    private func runnerWithTPBlockedAtCut5() -> (FixtureBackend, TaskRunner) {
        let b = FixtureBackend(data: data)
        b.blockMode = "tp"
        let r = TaskRunner(opening: { b })
        r.request(query(cut: 5), attention: false)
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline, !b.calls.contains("tp@5") { usleep(1000) }
        return (b, r)
    }

    func testANewQueryCancelsTheRunningOne() {
        let (b, r) = runnerWithTPBlockedAtCut5()
        if case .running = r.snapshot(for: query(cut: 5)).modes.last!.status {} else { XCTFail("TP should be running") }
        b.blockMode = nil
        r.request(query(cut: 4), attention: false)
        r.waitUntilIdle()
        XCTAssertTrue(r.snapshot(for: query(cut: 4)).modes.allSatisfy { $0.status.value != nil })
        // The cancelled job left no result or failure behind.
        if case .waiting = r.snapshot(for: query(cut: 5)).modes.last!.status {} else { XCTFail("cancelled TP should be waiting again") }
    }

    /// Quitting: the running answer is cancelled and nothing else starts, so the queue is
    /// empty before the process tears down; an opening that cannot be interrupted is
    /// reported as still running instead of being waited for.
    func testStopCancelsTheRunningJobAndReportsAnUninterruptibleOpening() {
        let (b, r) = runnerWithTPBlockedAtCut5()
        XCTAssertTrue(r.stop(waitingAtMost: 5), "a cancellable answer must end on stop")
        let calls = b.calls.count
        r.request(query(cut: 4), attention: false)
        usleep(50_000)
        XCTAssertEqual(b.calls.count, calls, "no job may start after stop")

        let (opening, release) = (DispatchSemaphore(value: 0), DispatchSemaphore(value: 0))
        let slow = TaskRunner(opening: { opening.signal(); release.wait(); return FixtureBackend(data: self.data) })
        opening.wait()
        let started = Date()
        XCTAssertFalse(slow.stop(waitingAtMost: 0.2), "an opening still at work must be reported")
        XCTAssertLessThan(Date().timeIntervalSince(started), 2)
        release.signal()
        XCTAssertTrue(slow.stop(waitingAtMost: 5))
    }

    func testFailuresAreReportedPerMode() {
        let b = FixtureBackend(data: data)
        b.failMode = "soft"
        let r = TaskRunner(opening: { b })
        r.request(query(cut: 3), attention: true)
        r.waitUntilIdle()
        let snap = r.snapshot(for: query(cut: 3))
        if case .failed(let why) = snap.modes[0].status { XCTAssertEqual(why, "fixture backend failure") } else { XCTFail() }
        XCTAssertNotNil(snap.modes[1].status.value)
        XCTAssertEqual(snap.attention?.value?.columnCount, 3)
        XCTAssertEqual(snap.attentionMode?.id, "xattn")
        r.request(query(cut: 3), attention: true, perceiver: true)
        r.waitUntilIdle()
        XCTAssertEqual(r.snapshot(for: query(cut: 3)).attention?.value?.columns, .latents)
    }

    func testWithoutARunNothingIsComputed() {
        let r = TaskRunner(unavailable: "no run")
        r.request(query(cut: 3), attention: true)
        r.waitUntilIdle()
        let snap = r.snapshot(for: query(cut: 3))
        guard case .unavailable(let why) = snap.availability else { return XCTFail() }
        XCTAssertEqual(why, "no run")
        XCTAssertTrue(snap.modes.isEmpty)
        XCTAssertFalse(snap.isBusy)
    }

    func testAttentionMeanOverHeads() {
        let cap = AttentionCapture(mode: "x", rowTokens: ["a"], answerStart: 0, columns: .events, columnCount: 2,
                                   layers: 1, heads: 2, weights: [0.2, 0.8, 0.6, 0.4])
        XCTAssertEqual(cap.map(layer: 0, head: nil), [0.4, 0.6])
        XCTAssertEqual(cap.map(layer: 0, head: 1), [0.6, 0.4])
    }
}
