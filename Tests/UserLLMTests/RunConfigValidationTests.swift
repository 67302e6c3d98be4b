import Foundation
import NN
import Tensor
import Timelines
import UserLLM
import XCTest

/// Issue 15: a preset, run config, tokenizer or checkpoint from a file is checked at open.
/// Each value below used to divide by zero, trap, hang eating memory, read out of bounds
/// or answer NaN; now it is refused naming the file, key, value and allowed range.
final class RunConfigValidationTests: XCTestCase {
    /// The tiny preset's JSON with `edit` applied to its dictionary.
    func presetFile(_ edit: (inout [String: Any]) -> Void) throws -> URL {
        let tiny = PipelineFixture.packageRoot.appendingPathComponent("Assets/presets/tiny.json")
        var object = try JSONSerialization.jsonObject(with: Data(contentsOf: tiny)) as! [String: Any]
        edit(&object)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("preset-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: object).write(to: url)
        return url
    }

    func refusal(_ edit: (inout [String: Any]) -> Void, file: StaticString = #filePath, line: UInt = #line) throws -> ConfigError? {
        let url = try presetFile(edit)
        defer { try? FileManager.default.removeItem(at: url) }
        do {
            _ = try Preset.load(from: url)
            XCTFail("accepted", file: file, line: line)
        } catch let e as ConfigError {
            XCTAssertEqual(e.file, url.path, file: file, line: line)
            return e
        } catch {
            XCTFail("not a ConfigError: \(error)", file: file, line: line)
        }
        return nil
    }

    func set(_ path: [String], _ value: Any) -> (inout [String: Any]) -> Void {
        { object in
            func go(_ o: inout [String: Any], _ p: ArraySlice<String>) {
                if p.count == 1 { o[p.first!] = value; return }
                var inner = o[p.first!] as! [String: Any]
                go(&inner, p.dropFirst())
                o[p.first!] = inner
            }
            go(&object, path[...])
        }
    }

    func testBuiltInPresetsPass() throws {
        for name in Preset.names { XCTAssertNoThrow(try Preset.named(name), name) }
    }

    func testUnknownBackboneAndCrossAttentionSpacingAreRefused() throws {
        XCTAssertEqual(try refusal(set(["backbone"], "gpt-9"))?.key, "backbone")
        XCTAssertEqual(try refusal(set(["llm", "crossAttentionEvery"], 0))?.key, "llm.crossAttentionEvery")
        XCTAssertEqual(try refusal(set(["llm", "crossAttentionEvery"], 3))?.key, "llm.crossAttentionEvery", "tiny has 2 layers")
    }

    func testHeadsZeroOrNegativeIsRefused() throws {
        XCTAssertEqual(try refusal(set(["llm", "heads"], 0))?.description.contains("llm.heads = 0: allowed a divisor of llm.dModel 64"), true)
        XCTAssertEqual(try refusal(set(["llm", "heads"], -4))?.key, "llm.heads")
        XCTAssertEqual(try refusal(set(["perceiver", "heads"], 0))?.key, "perceiver.heads")
        // The encoder's own decoder already refused this one (a RunError naming the key).
        let url = try presetFile(set(["encoder", "heads"], 0))
        XCTAssertThrowsError(try Preset.load(from: url)) { XCTAssertTrue("\($0)".contains("encoder: encoder config: dModel 32 must be a positive multiple of heads 0"), "\($0)") }
    }

    func testHeadsNotDividingTheWidthIsRefused() throws {
        let e = try refusal(set(["llm", "heads"], 3))
        XCTAssertEqual(e?.key, "llm.heads")
        XCTAssertEqual(e?.value, "3")
    }

    func testNegativeAndZeroSizesAreRefused() throws {
        XCTAssertEqual(try refusal(set(["windowLength"], -5))?.description.hasSuffix("windowLength = -5: allowed 1…1048576"), true)
        XCTAssertEqual(try refusal(set(["llm", "layers"], -1))?.key, "llm.layers")
        XCTAssertEqual(try refusal(set(["llm", "contextLength"], 0))?.key, "llm.contextLength")
        XCTAssertEqual(try refusal(set(["maxAnswerTokens"], 0))?.key, "maxAnswerTokens")
        XCTAssertEqual(try refusal(set(["stages", "lm", "batchSize"], 0))?.key, "stages.lm.batchSize")
    }

    func testHugeVocabularyIsRefused() throws {
        let e = try refusal(set(["llm", "vocabSize"], 1e15))
        XCTAssertEqual(e?.key, "llm.vocabSize")
        XCTAssertEqual(e?.value, "1000000000000000")
    }

    func testNonsenseFloatsAreRefused() throws {
        XCTAssertEqual(try refusal(set(["llm", "normEps"], -1))?.allowed, "a finite number > 0")
        XCTAssertEqual(try refusal(set(["encoder", "normEps"], 0))?.key, "encoder.normEps")
        XCTAssertEqual(try refusal(set(["encoder", "dropout"], 1.5))?.key, "encoder.dropout")
        XCTAssertEqual(try refusal(set(["stages", "finetune", "learningRate"], -0.1))?.key, "stages.finetune.learningRate")
    }

    func testLoRATargetsAreNamedProjectionsOnly() throws {
        XCTAssertEqual(try refusal(set(["lora", "targets"], ["wq", "ffn"]))?.key, "lora.targets")
        XCTAssertEqual(try refusal(set(["lora", "targets"], ["wq", "wq"]))?.key, "lora.targets", "a duplicate")
        XCTAssertEqual(try refusal(set(["lora", "targets"], [String]()))?.allowed,
                       "distinct names among w1, w2, w3, wk, wo, wq, wv")
        let url = try presetFile(set(["lora", "targets"], ["wq", "wv", "w1", "w2", "w3"]))
        defer { try? FileManager.default.removeItem(at: url) }
        XCTAssertEqual(try Preset.load(from: url).lora.targets, ["wq", "wv", "w1", "w2", "w3"])
        XCTAssertEqual(try Preset.named("tiny").lora.targets, ["wq", "wv"], "a preset without the key keeps q and v")
    }

    func testMemoryIsEstimatedAndRefusedOverTheLimit() throws {
        // 256 layers of d 16,384: every dimension is within bounds, the whole is ~14 TB.
        let e = try refusal { o in
            var llm = o["llm"] as! [String: Any]
            llm["dModel"] = 16_384
            llm["heads"] = 128
            llm["layers"] = 256
            llm["mlpHidden"] = 65_536
            o["llm"] = llm
        }
        XCTAssertEqual(e?.key, "llm")
        XCTAssertTrue(e?.allowed.contains("it needs about") ?? false, "\(String(describing: e))")
        XCTAssertTrue(e?.allowed.contains("GiB, the limit is") ?? false, "\(String(describing: e))")
    }

    func testRunConfigIsValidatedAtOpen() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("run-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = RunDirectory(dir)
        try run.create()
        var preset = try Preset.named("tiny")
        preset.perceiver.heads = 0
        try run.writeConfig(RunConfig(dataset: "movielens", dataDir: nil, preset: preset, tasks: ["next-item"]))
        XCTAssertThrowsError(try run.readConfig()) { error in
            XCTAssertTrue("\(error)".contains("config.json (preset): perceiver.heads = 0"), "\(error)")
        }
        preset.perceiver.heads = 2
        try run.writeConfig(RunConfig(dataset: "movielens", dataDir: nil, preset: preset, tasks: ["next-itme"]))
        XCTAssertThrowsError(try run.readConfig()) { XCTAssertTrue("\($0)".contains("tasks[0] = 'next-itme'"), "\($0)") }
    }

    // MARK: Tokenizer against the model

    func testTokenizerBeyondTheModelsVocabularyIsRefused() throws {
        let tokenizer = BPETokenizer.train(corpus: ["a b c abc abc"], vocabSize: 300)
        var llm = LanguageModelConfig.tiny
        XCTAssertNoThrow(try RunConfigValidation.validate(tokenizer: tokenizer, file: "t.json", llm: llm))
        llm.vocabSize = 260
        XCTAssertThrowsError(try RunConfigValidation.validate(tokenizer: tokenizer, file: "t.json", llm: llm)) { error in
            XCTAssertTrue("\(error)".hasPrefix("t.json: model.vocab = \(tokenizer.vocabSize) ids"), "\(error)")
        }
    }

    func testRunWithAnOversizedTokenizerIsRefusedAtOpen() throws {
        let context = try PipelineFixture.context()
        let copy = PipelineFixture.temporaryDirectory("bad-tokenizer")
        defer { try? FileManager.default.removeItem(at: copy) }
        let run = RunDirectory(copy)
        try run.create()
        var config = context.config
        config.preset.llm.vocabSize = 300   // the tokenizer has 512 ids
        config.preset.tokenizerVocabSize = 300
        try run.writeConfig(config)
        try context.tokenizer!.save(to: run.tokenizerURL)
        XCTAssertThrowsError(try RunContext.open(copy, dataset: context.dataset)) { error in
            XCTAssertTrue("\(error)".contains("tokenizer.json: model.vocab"), "\(error)")
            XCTAssertTrue("\(error)".contains("below the model's vocabSize 300"), "\(error)")
        }
    }

    // MARK: Checkpoint against the model

    func testNaNWeightInACheckpointIsRefused() throws {
        let context = try PipelineFixture.context()
        let copy = PipelineFixture.temporaryDirectory("nan-checkpoint")
        defer { try? FileManager.default.removeItem(at: copy) }
        let run = RunDirectory(copy)
        try run.create()
        try run.writeConfig(context.config)
        try context.tokenizer!.save(to: run.tokenizerURL)
        let choice = ModelChoice(mode: .tp)
        let model = UserLLMModel(config: choice.modelConfig(context.config.preset), vocabularies: context.vocabularies, seed: 1)
        model.apply(choice.strategy, lora: context.config.preset.lora, seed: 1)
        let parameters = model.parameters()
        parameters[3].1.pointer[5] = .nan
        try Safetensors.write(parameters, to: run.checkpointURL(choice.name))
        let opened = try RunContext.open(copy, dataset: context.dataset)
        XCTAssertThrowsError(try opened.loadModel(choice)) { error in
            XCTAssertTrue("\(error)".contains("tensor '\(parameters[3].0)' = nan at element 5: allowed finite weights"), "\(error)")
        }
        parameters[3].1.pointer[5] = .infinity
        try Safetensors.write(parameters, to: run.checkpointURL(choice.name))
        XCTAssertThrowsError(try opened.loadModel(choice)) { XCTAssertTrue("\($0)".contains("= inf at element 5"), "\($0)") }
        parameters[3].1.pointer[5] = 0.5
        try Safetensors.write(parameters, to: run.checkpointURL(choice.name))
        XCTAssertNoThrow(try opened.loadModel(choice))
    }

    // MARK: Command-line bounds

    func testOptionBoundsParseWithinTheRangeOnly() throws {
        let beams = OptionBounds.int(OptionBounds.beams)
        XCTAssertEqual(try beams("10"), 10)
        XCTAssertThrowsError(try beams("100000")) { XCTAssertEqual("\($0)", "out of range (allowed: 1…256)") }
        XCTAssertThrowsError(try beams("0"))
        XCTAssertThrowsError(try beams("ten")) { XCTAssertEqual("\($0)", "not an integer (allowed: 1…256)") }
        XCTAssertThrowsError(try OptionBounds.int(OptionBounds.users)("-1"))
        XCTAssertEqual(try OptionBounds.int(OptionBounds.cut)("0"), 0)
        XCTAssertThrowsError(try OptionBounds.screenSize("99999999999x2"))
        XCTAssertThrowsError(try OptionBounds.screenSize("80x2"))
        XCTAssertEqual(try OptionBounds.screenSize("80x24").width, 80)
        XCTAssertThrowsError(try OptionBounds.float(0...1, lowerExclusive: true)("0"))
        XCTAssertThrowsError(try OptionBounds.float(0...100, lowerExclusive: true)("nan"))
        XCTAssertEqual(try OptionBounds.float(0...1, lowerExclusive: true)("1"), 1)
    }

    /// SmolLM2's TP prompts: 50 events (~1,500 tokens) train in steps of 2; 200 events (~7,900)
    /// only one at a time, with attention recomputing its probabilities; a limit too small for
    /// one example refuses.
    func testTrainingBatchIsHalvedUntilItsActivationsFit() throws {
        let llm = try Preset.named("smol").llm
        let gib = 1_073_741_824.0
        XCTAssertEqual(RunConfigValidation.batchThatFits(llm, batch: 2, positions: 1_535, limitBytes: 23.5 * gib), 2)
        XCTAssertEqual(RunConfigValidation.batchThatFits(llm, batch: 2, positions: 7_878, limitBytes: 23.5 * gib), 1)
        XCTAssertEqual(RunConfigValidation.batchThatFits(llm, batch: 8, positions: 7_878, limitBytes: 23.5 * gib), 1)
        XCTAssertNil(RunConfigValidation.batchThatFits(llm, batch: 2, positions: 7_878, limitBytes: 8 * gib))
        // Past the threshold the probabilities are not kept: the estimate grows with T, not T².
        let short = RunConfigValidation.trainingActivationBytes(llm, batch: 1, positions: 4_000)
        let long = RunConfigValidation.trainingActivationBytes(llm, batch: 1, positions: 8_000)
        XCTAssertEqual(long / short, 2, accuracy: 1e-9)
        // Below it they are, one (H, T, T) per layer on top of the per-position activations.
        let kept = Double(llm.layers * llm.heads * 4 * 1_000 * 1_000)
        XCTAssertEqual(RunConfigValidation.trainingActivationBytes(llm, batch: 1, positions: 1_000),
                       long / 8 + kept, accuracy: 1)
    }
}
