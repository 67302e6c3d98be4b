import Foundation
import Tensor
import UserLLM
import XCTest

/// `TrainerConfig.gateLearningRateScale`: the cross-attention gates step at scale × the
/// schedule's rate, everything else at the rate itself; resume keeps both optimisers' state.
final class GateLearningRateTests: XCTestCase {
    /// loss = gate + weight: equal gradients, so AdamW's first step moves each parameter by
    /// exactly its learning rate (|m / √v| = 1) — the ratio of the moves is the scale.
    private func firstStepMoves(scale: Float?) throws -> (gate: Float, weight: Float) {
        let gate = Tensor.zeros([1], requiresGrad: true)
        let weight = Tensor.zeros([1], requiresGrad: true)
        let config = TrainerConfig(steps: 1, batchSize: 1, learningRate: 1e-3, warmupSteps: 0, weightDecay: 0,
                                   evalEvery: 0, evalBatches: 1, patience: 0, gateLearningRateScale: scale)
        let trainer = Trainer(name: "gates", parameters: [("llm.blocks.0.xattn.gate", gate), ("llm.blocks.0.attn.wq.weight", weight)],
                              config: config, directory: nil, isGate: UserLLMModel.isGateParameter)
        _ = try trainer.train(step: { _ in ((gate + weight).sum(), 1) }, validate: { 0 })
        return (abs(gate.item), abs(weight.item))
    }

    func testGatesStepAtTheScaledRate() throws {
        let scaled = try firstStepMoves(scale: 100)
        XCTAssertGreaterThan(scaled.weight, 0)
        XCTAssertEqual(scaled.gate / scaled.weight, 100, accuracy: 0.5)
        let plain = try firstStepMoves(scale: nil)
        XCTAssertEqual(plain.gate / plain.weight, 1, accuracy: 0.01)
        XCTAssertEqual(plain.weight, scaled.weight, accuracy: 1e-9)
    }

    func testOnlyGatesAreGates() {
        XCTAssertTrue(UserLLMModel.isGateParameter("llm.blocks.3.xattn.gate"))
        XCTAssertFalse(UserLLMModel.isGateParameter("llm.blocks.3.xattn.attn.wo.weight"))
        XCTAssertFalse(UserLLMModel.isGateParameter("perceiver.latents"))
    }

    /// An interrupted stage with a gate optimiser resumes to the same weights as one that ran
    /// straight through (the resume file holds both optimisers' moments).
    func testResumeWithScaledGatesIsExact() throws {
        func run(interruptAt: Int?, dir: URL) throws -> [Float] {
            let gate = Tensor.zeros([1], requiresGrad: true)
            let weight = Tensor(shape: [2], values: [0.5, -0.25], requiresGrad: true)
            let config = TrainerConfig(steps: 6, batchSize: 1, learningRate: 1e-2, warmupSteps: 1,
                                       evalEvery: 2, evalBatches: 1, patience: 0, gateLearningRateScale: 10)
            let params = [("llm.blocks.0.xattn.gate", gate), ("w", weight)]
            func loss(_ s: Int) -> Tensor { ((weight * weight).sum() + gate * (Float(s) - 2.5)).sum() }
            if let stopAt = interruptAt {
                let first = Trainer(name: "r", parameters: params, config: config, directory: dir, isGate: UserLLMModel.isGateParameter)
                XCTAssertThrowsError(try first.train(step: { s in
                    if s == stopAt { TrainingInterrupt.request() }
                    return (loss(s), 1)
                }, validate: { (weight * weight).sum().item }))
                TrainingInterrupt.reset()
                for p in [gate, weight] { p.assign(Tensor.zeros(p.shape)) }  // the resume file must restore them
            }
            let t = Trainer(name: "r", parameters: params, config: config, directory: dir, isGate: UserLLMModel.isGateParameter)
            _ = try t.train(step: { s in (loss(s), 1) }, validate: { (weight * weight).sum().item })
            return gate.scalars + weight.scalars
        }
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("gate-resume-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: base) }
        for d in ["a", "b"] { try FileManager.default.createDirectory(at: base.appendingPathComponent(d), withIntermediateDirectories: true) }
        let straight = try run(interruptAt: nil, dir: base.appendingPathComponent("a"))
        let resumed = try run(interruptAt: 3, dir: base.appendingPathComponent("b"))
        XCTAssertEqual(straight, resumed)
    }
}
