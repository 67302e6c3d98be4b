import Explorer
import XCTest

/// The first-run screen, drawn from a status as the training callbacks fill it.
final class TrainingScreenTests: XCTestCase {
    private func status() -> TrainingStatus {
        var s = TrainingStatus(title: "Training movielens-100k · preset small",
                               stages: [.init(name: "tokenizer", state: .skipped), .init(name: "lm", state: .running),
                                        .init(name: "encoder", state: .pending), .init(name: "xattn-full", state: .pending)],
                               note: "", runPath: "/runs/movielens-100k-small")
        s.current = "lm"
        s.step = 30
        s.totalSteps = 60
        s.losses = (0..<30).map { 8 - Double($0) * 0.1 }
        s.validationLoss = 5.25
        s.tokensPerSecond = 1464
        s.stageETA = 65
        s.totalETA = 3725
        return s
    }

    func testShowsStagesStepLossCurvePaceAndETA() {
        let canvas = TextCanvas(width: 80, height: 24)
        TrainingScreen(theme: Theme(mode: .monochrome)).draw(status(), tick: 0, on: canvas)
        let text = canvas.plainText()
        XCTAssertTrue(text.contains("Training movielens-100k · preset small"))
        XCTAssertTrue(text.contains("stages 1/4"))
        XCTAssertTrue(text.contains("✓ tokenizer  (already trained)"))
        XCTAssertTrue(text.contains("· encoder"))
        XCTAssertTrue(text.contains("lm  step 30/60"))
        XCTAssertTrue(text.contains(" 50%"))
        XCTAssertTrue(text.contains("loss 5.100  ·  validation 5.250"))
        // A falling loss: the sparkline runs from the top level down to the bottom one.
        let spark = text.split(separator: "\n").first { $0.contains("█") && $0.contains("▁") && !$0.contains("step") }
        XCTAssertNotNil(spark, text)
        XCTAssertTrue(text.contains("1,464 tokens/s  ·  stage ETA 1 m 05 s  ·  run ETA 1 h 02 m"), text)
        XCTAssertTrue(text.contains("Ctrl-C"))
    }

    /// Background training inside the explorer: the status bar names the job, untrained
    /// modes' columns show their state (step, ETA, loss sparkline), `t` opens the full
    /// training screen over the explorer and any key returns.
    func testBackgroundJobInTheExplorer() {
        let data = ExplorerData(dataset: FixtureDataset.make())
        let b = FixtureBackend(data: data)
        b.trainingModes = ["xattn": ModeTraining(state: .training, stage: "lm", step: 30, totalSteps: 60, eta: 125, losses: (0..<30).map { 8 - Double($0) * 0.1 }),
                           "tp": ModeTraining(state: .queued, stage: "lm", eta: 600)]
        let runner = TaskRunner(opening: { b })
        var job = status()
        job.secondsPerStep = 1.25
        let fixed = job
        runner.backgroundJob = { fixed }
        let theme = Theme(mode: .monochrome)
        let session = ExplorerSession(data: data, runner: runner, renderer: ExplorerRenderer(data: data, theme: theme, runLabel: "fixture-run (training)"),
                                      state: ExplorerState.initial(data: data, width: 160, height: 48))
        runner.waitUntilIdle()
        let canvas = TextCanvas(width: 160, height: 48)
        session.draw(on: canvas)
        var text = canvas.plainText()
        XCTAssertTrue(text.contains("user 2 · target #12/12 │ training lm 30/60 · run ETA 1 h 02 m [t]"), text)
        // Columns are ~28 cells here: the summary wraps onto a second line.
        XCTAssertTrue(text.contains("training lm 30/60 · ready") && text.contains("in ~2 m 05 s"), text)
        XCTAssertTrue(text.contains("queued for training") && text.contains("ready in ~10 m 00 s"), text)
        XCTAssertTrue(text.contains("▇▆▆▆▆▅"), "the loss sparkline")
        XCTAssertTrue(text.contains(" 50%"), text)
        XCTAssertTrue(text.contains("1. ✗") || text.contains("1. ✓"), "ready modes answer meanwhile")
        session.handle(.key(.char("t")))
        session.draw(on: canvas)
        text = canvas.plainText()
        XCTAssertTrue(text.contains("Training in the background"), text)
        XCTAssertTrue(text.contains("1.25 s/step  ·  1,464 tokens/s  ·  stage ETA 1 m 05 s"), text)
        session.handle(.key(.char("j")))
        XCTAssertFalse(session.state.showTraining)
        XCTAssertFalse(session.state.quit)
        session.handle(.key(.char("t")))
        session.handle(.key(.char("q")))
        XCTAssertTrue(session.state.quit, "q quits from the training screen too")
    }

    func testTooSmallAndDurations() {
        let canvas = TextCanvas(width: 30, height: 8)
        TrainingScreen(theme: Theme(mode: .monochrome)).draw(status(), tick: 0, on: canvas)
        XCTAssertTrue(canvas.plainText().contains("Terminal too small"))
        XCTAssertEqual(TrainingScreen.duration(42.4), "42 s")
        XCTAssertEqual(TrainingScreen.duration(190), "3 m 10 s")
        XCTAssertEqual(TrainingScreen.duration(.infinity), "–")
    }
}
