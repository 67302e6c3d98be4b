import Foundation
import Timelines
import UserLLM
import XCTest

final class PromptBuilderTests: XCTestCase {
    func testPromptFormatsAndLossMask() throws {
        let context = try PipelineFixture.context()
        let example = context.builder.examples(.nextItem, .test)[0]
        for mode in FusionMode.allCases {
            let prompts = try context.promptBuilder(mode: mode)
            let t = prompts.tokenizer
            let (tokens, mask) = prompts.trainingSequence(example)
            let prompt = prompts.promptTokens(example)
            XCTAssertEqual(Array(tokens.prefix(prompt.count)), prompt)
            XCTAssertEqual(prompt.first, t.id(of: .bos))
            XCTAssertEqual(prompt.last, t.id(of: .answer))
            XCTAssertEqual(tokens.last, t.id(of: .eos))
            // The mask covers exactly the answer and <|eos|>.
            XCTAssertEqual(mask.firstIndex(of: true), prompt.count)
            XCTAssertTrue(mask[prompt.count...].allSatisfy { $0 })
            XCTAssertEqual(t.decode(Array(tokens[prompt.count..<(tokens.count - 1)])), example.answer)
            let text = t.decode(prompt)
            switch mode {
            case .tp:
                let window = context.builder.windowEvents(example)
                let lastLine = PromptRenderer(dataset: context.dataset).eventLine(context.dataset.events[Int(window.last!)])
                XCTAssertTrue(text.contains(lastLine.trimmingCharacters(in: .newlines)), text)
                XCTAssertTrue(text.contains("which movie will this user rate next?"))
                XCTAssertLessThanOrEqual(tokens.count, context.config.preset.llm.contextLength)
            case .soft, .xattn:
                XCTAssertEqual(Array(prompt.prefix(3)), [t.id(of: .bos)!, t.id(of: .user)!, t.id(of: .nextItem)!])
                XCTAssertEqual(text, "<|bos|><|user|><|next_item|>Question: which movie will this user rate next?\nAnswer:\n<|answer|>")
            }
        }
    }

    func testTPHistoryIsCutFromTheOldestEnd() throws {
        let context = try PipelineFixture.context()
        let full = try context.promptBuilder(mode: .tp)
        let example = context.builder.examples(.nextItem, .test).first { context.builder.windowEvents($0).count == 50 }!
        let short = PromptBuilder(tokenizer: full.tokenizer, builder: context.builder, mode: .tp, maxTokens: 200)
        let ids = short.promptTokens(example)
        XCTAssertLessThanOrEqual(ids.count, 200 - 40)
        let text = short.tokenizer.decode(ids)
        let renderer = PromptRenderer(dataset: context.dataset)
        let window = context.builder.windowEvents(example)
        XCTAssertTrue(text.contains(renderer.eventLine(context.dataset.events[Int(window.last!)]).trimmingCharacters(in: .newlines)))
        XCTAssertFalse(text.contains(renderer.eventLine(context.dataset.events[Int(window.first!)]).trimmingCharacters(in: .newlines)))
    }

    func testBatchPadsAndIgnores() throws {
        let context = try PipelineFixture.context()
        let prompts = try context.promptBuilder(mode: .xattn)
        let examples = Array(context.builder.examples(.favoriteGenre, .validation).prefix(3))
        let batch = prompts.batch(examples)
        let pad = prompts.tokenizer.id(of: .pad)!
        for (b, e) in examples.enumerated() {
            let (tokens, mask) = prompts.trainingSequence(e)
            let n = tokens.count - 1
            XCTAssertEqual(batch.lengths[b], n)
            XCTAssertEqual(Array(batch.inputs[(b * batch.length)..<(b * batch.length + n)]), Array(tokens.dropLast()))
            XCTAssertTrue(batch.inputs[(b * batch.length + n)..<((b + 1) * batch.length)].allSatisfy { $0 == pad })
            let counted = (0..<batch.length).filter { batch.targets[b * batch.length + $0] != TokenBatch.ignoreIndex }
            XCTAssertEqual(counted.count, mask.filter { $0 }.count)
        }
        XCTAssertEqual(batch.lossTargets.count, batch.targetCount)
    }
}
