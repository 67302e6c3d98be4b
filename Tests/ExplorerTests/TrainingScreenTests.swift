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

    func testTooSmallAndDurations() {
        let canvas = TextCanvas(width: 30, height: 8)
        TrainingScreen(theme: Theme(mode: .monochrome)).draw(status(), tick: 0, on: canvas)
        XCTAssertTrue(canvas.plainText().contains("Terminal too small"))
        XCTAssertEqual(TrainingScreen.duration(42.4), "42 s")
        XCTAssertEqual(TrainingScreen.duration(190), "3 m 10 s")
        XCTAssertEqual(TrainingScreen.duration(.infinity), "–")
    }
}
