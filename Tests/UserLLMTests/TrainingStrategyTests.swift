import Foundation
import NN
import Tensor
import Timelines
import UserLLM
import XCTest

/// DESIGN §4's four strategies: what moves and what must not.
final class TrainingStrategyTests: XCTestCase {
    func testFrozenParametersDoNotMove() throws {
        let context = try PipelineFixture.context()
        let preset = context.config.preset
        let examples = Array(context.builder.examples(.nextItem, .train).prefix(4))
        var cases: [ModelChoice] = TrainingStrategy.allCases.filter { $0.isValid(for: .xattn) }.map { ModelChoice(mode: .xattn, perceiver: true, strategy: $0) }
        cases += [ModelChoice(mode: .soft, strategy: .proj), ModelChoice(mode: .tp, strategy: .lora)]
        for choice in cases {
            let model = UserLLMModel(config: choice.modelConfig(preset), vocabularies: context.vocabularies, seed: 3)
            model.apply(choice.strategy, lora: preset.lora, seed: 3)
            let before = model.parameters().map { ($0.0, $0.1.copy(), $0.1.requiresGrad) }
            var config = preset.stages.finetune
            config.steps = 3
            config.evalEvery = 0
            config.warmupSteps = 1
            let prompts = try context.promptBuilder(mode: choice.mode)
            let trainer = Trainer(name: choice.name, parameters: model.parameters(), config: config, directory: nil)
            _ = try trainer.train(step: { _ in
                let events = choice.mode.usesEncoder ? EventBatch(examples: examples, builder: context.builder, features: context.features) : nil
                return (model.loss(prompts.batch(examples), events: events), 1)
            }, validate: { 0 })
            let after = model.namedParameters()
            var moved = Set<String>()
            for (name, old, trainable) in before {
                let changed = zip(old.scalars, after[name]!.scalars).contains { $0 != $1 }
                if changed { moved.insert(name) }
                XCTAssertEqual(trainable, expectedTrainable(name, choice.strategy), "\(choice.name): \(name) trainable flag")
                if !trainable { XCTAssertFalse(changed, "\(choice.name): frozen \(name) moved") }
            }
            // Something of each trained group moved.
            let groups: [(String, Bool)] = [
                ("llm.blocks.0.attn.wq.weight", choice.strategy == .full),
                ("llm.blocks.0.attn.wq.lora_B", choice.strategy == .lora),
                ("encoder.", choice.mode.usesEncoder && choice.strategy != .proj),
                ("projection.weight", choice.mode.usesEncoder),
                ("llm.blocks.0.xattn.gate", choice.mode == .xattn),
            ]
            for (prefix, shouldMove) in groups {
                XCTAssertEqual(moved.contains { $0.hasPrefix(prefix) }, shouldMove, "\(choice.name): \(prefix) moved?")
            }
        }
    }

    private func expectedTrainable(_ name: String, _ strategy: TrainingStrategy) -> Bool {
        if name.contains("lora_") { return true }
        if name.hasPrefix("llm.") && !name.contains(".xattn.") { return strategy == .full }
        if name.hasPrefix("encoder.") { return strategy != .proj }
        return true  // projection, Perceiver, cross-attention and gates
    }
}
