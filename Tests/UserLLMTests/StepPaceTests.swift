import Foundation
import Tensor
import UserLLM
import XCTest

/// The ETA follows the recent pace: driven by a fake clock, steps slowing from 1 s to 7 s
/// move the estimate to 7 s a step within the window, not after the stage's average
/// catches up (the stale figure issue 10 saw: "2 m 32 s" with 95 steps of ~7 s left).
final class StepPaceTests: XCTestCase {
    func testWindowFollowsAChangeOfPace() {
        var pace = StepPace(window: 5)
        XCTAssertTrue(pace.eta(steps: 10).isNaN, "no estimate before the first step")
        for _ in 0..<20 { pace.addStep(seconds: 1, tokens: 100) }
        XCTAssertEqual(pace.eta(steps: 100), 100, accuracy: 1e-9)
        XCTAssertEqual(pace.tokensPerSecond, 100, accuracy: 1e-9)
        var etas: [Double] = []
        for _ in 0..<5 {
            pace.addStep(seconds: 7, tokens: 100)
            etas.append(pace.eta(steps: 95))
        }
        // Each slow step moves the estimate a fifth of the way; after five it is 95 × 7 s.
        for (i, eta) in etas.enumerated() { XCTAssertEqual(eta, 95 * (1 + 6 * Double(i + 1) / 5), accuracy: 1e-9) }
        XCTAssertEqual(pace.secondsPerStep!, 7, accuracy: 1e-12)
        XCTAssertEqual(pace.tokensPerSecond, 100.0 / 7, accuracy: 1e-9)
        pace.addValidation(seconds: 30)
        XCTAssertEqual(pace.eta(steps: 10, validations: 2), 70 + 60, accuracy: 1e-9)
    }

    func testValidationsLeft() {
        XCTAssertEqual(StepPace.validationsLeft(done: 0, total: 100, every: 25), 4)
        XCTAssertEqual(StepPace.validationsLeft(done: 25, total: 100, every: 25), 3)
        XCTAssertEqual(StepPace.validationsLeft(done: 99, total: 100, every: 25), 1)
        XCTAssertEqual(StepPace.validationsLeft(done: 100, total: 100, every: 25), 0)
        XCTAssertEqual(StepPace.validationsLeft(done: 0, total: 10, every: 4), 3)  // 4, 8, and the end
        XCTAssertEqual(StepPace.validationsLeft(done: 9, total: 10, every: 4), 1)
        XCTAssertEqual(StepPace.validationsLeft(done: 3, total: 10, every: 0), 1)
    }

    /// A time budget stops training where the clock says it is spent, after a validation
    /// there (the best weights are kept as at any stop).
    func testTimeBudgetStopsAfterAValidation() throws {
        var now = 0.0
        let w = Tensor(shape: [2], values: [0.5, -0.25], requiresGrad: true)
        var config = TrainerConfig(steps: 40, batchSize: 1, learningRate: 1e-2, warmupSteps: 0,
                                   evalEvery: 0, evalBatches: 1, patience: 0)
        config.timeBudgetSeconds = 10
        let trainer = Trainer(name: "budget", parameters: [("w", w)], config: config, directory: nil)
        trainer.clock = { now }
        var validations: [Int] = []
        var steps = 0
        let result = try trainer.train(step: { s in
            now += 1
            steps = s + 1
            return ((w * w).sum(), 1)
        }, validate: { validations.append(steps); return 0 })
        XCTAssertEqual(result.steps, 10)
        XCTAssertEqual(validations, [10])
        XCTAssertTrue(result.stoppedEarly)
    }

    /// The learning rate follows the time budget when it runs out before the steps: at 9 s
    /// of 10, step 9 of 40 takes the rate of step 36, near the cosine's floor.
    func testATimeBudgetDecaysTheLearningRateByTime() throws {
        var now = 0.0
        let w = Tensor(shape: [2], values: [0.5, -0.25], requiresGrad: true)
        var config = TrainerConfig(steps: 40, batchSize: 1, learningRate: 1e-2, warmupSteps: 0,
                                   evalEvery: 0, evalBatches: 1, patience: 0)
        config.timeBudgetSeconds = 10
        let trainer = Trainer(name: "budget-lr", parameters: [("w", w)], config: config, directory: nil)
        trainer.clock = { now }
        var rates: [Float] = [], etas: [Double] = []
        trainer.progress = { rates.append($0.learningRate); etas.append($0.eta) }
        _ = try trainer.train(step: { _ in
            now += 1
            return ((w * w).sum(), 1)
        }, validate: { 0 })
        XCTAssertEqual(rates.count, 10)
        for (s, rate) in rates.enumerated() {
            XCTAssertEqual(rate, config.schedule.learningRate(at: 4 * s), accuracy: 1e-9, "step \(s)")
        }
        XCTAssertLessThan(rates.last!, 0.15 * config.learningRate, "the last step must be near the floor (a tenth)")
        // The ETA is the budget's, not 40 steps': after step 3 (3 s), 7 s of budget, one more
        // step and the closing validation (none yet: a step's time).
        XCTAssertEqual(etas[2], 7 + 1 + 1, accuracy: 1e-9)
        XCTAssertEqual(etas.last!, 0, accuracy: 1e-9)
        // Without a budget the same steps keep the schedule by steps.
        config.timeBudgetSeconds = nil
        XCTAssertEqual(Trainer(name: "steps", parameters: [("w", w)], config: config, directory: nil)
            .scheduledStep(9, elapsed: 9), 9)
    }

    /// Through the Trainer: a fake clock advanced by the step closure (1 s for 20 steps,
    /// then 7 s), the reported ETA each step.
    func testTrainerReportsTheRecentPace() throws {
        var now = 1000.0
        let w = Tensor(shape: [2], values: [0.5, -0.25], requiresGrad: true)
        let config = TrainerConfig(steps: 40, batchSize: 1, learningRate: 1e-2, warmupSteps: 0,
                                   evalEvery: 0, evalBatches: 1, patience: 0)
        let trainer = Trainer(name: "pace", parameters: [("w", w)], config: config, directory: nil)
        trainer.clock = { now }
        var reports: [TrainerProgress] = []
        trainer.progress = { reports.append($0) }
        _ = try trainer.train(step: { s in
            now += s < 20 ? 1 : 7
            return ((w * w).sum(), 10)
        }, validate: { now += 3; return 0 })
        XCTAssertEqual(reports.count, 40)
        // Steady at 1 s a step: 30 steps and the final validation (counted as a step) left.
        XCTAssertEqual(reports[9].eta, 31, accuracy: 1e-9)
        XCTAssertEqual(reports[9].secondsPerStep, 1, accuracy: 1e-9)
        XCTAssertEqual(reports[9].tokensPerSecond, 10, accuracy: 1e-9)
        // Five steps after the slowdown the ETA is 7 s a step: 15 steps + 1 validation left.
        XCTAssertEqual(reports[24].eta, 16 * 7, accuracy: 1e-9)
        // The whole-stage average would still say (20 + 5·7)/25 = 2.2 s a step: 3× too low.
        XCTAssertGreaterThan(reports[24].eta, 3 * 16 * 2.2)
        XCTAssertEqual(reports[39].eta, 0, accuracy: 1e-9)
    }
}
