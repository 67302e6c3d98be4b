import Explorer
import Foundation
import Timelines
import UserLLM
import UserLLMExplorer
import XCTest

/// The explorer over a run on the pretrained SmolLM2-135M-Instruct (`SmolRun`): the title
/// names the backbone, zero-shot and finetuned TP are separate columns, the gate and
/// attention views use the model's real layer indices, and answers are catalogue titles
/// or review text ended by ChatML's <|im_end|>.
final class SmolRunExplorerTests: XCTestCase {
    override class func tearDown() {
        SmolRun.remove()
        super.tearDown()
    }

    private func open() throws -> (UserLLMBackend, ExplorerData) {
        let (dataset, url) = try SmolRun.get()
        let backend = try UserLLMBackend(run: url, dataset: dataset)
        return (backend, ExplorerData(dataset: dataset, windowSize: backend.context.config.preset.windowLength))
    }

    /// A user with enough history, and a cut near its end.
    private func query(_ data: ExplorerData, task: ExplorerTask, topK: Int) throws -> TaskQuery {
        let user = try XCTUnwrap(data.timelines.indices.first { data.timelines[$0].count >= 8 })
        return try XCTUnwrap(data.query(user: Int32(user), cut: data.timelines[user].count - 1, task: task, topK: topK))
    }

    func testInfoNamesTheBackboneAndSplitsZeroShotFromFinetunedTP() throws {
        let (backend, _) = try open()
        let info = backend.info
        XCTAssertEqual(info.backbone, "SmolLM2-135M-Instruct")
        XCTAssertEqual(info.preset, "smol")
        XCTAssertEqual(info.modes.map(\.id), ["encoder", "xattn+perceiver", "tp", "tp-zeroshot"])
        XCTAssertEqual(info.modes.filter(\.isTextPrompt).map(\.title), ["TP", "TP 0-shot"])
        XCTAssertEqual(backend.choices["tp"]?.strategy, .full)
        XCTAssertEqual(backend.choices["tp-zeroshot"]?.strategy, .zeroShot)
        XCTAssertEqual(info.tasks, [.nextItem, .review])
        // Cross-attention in every 10th of the 30 layers, not in all of them.
        XCTAssertEqual(info.crossAttentionLayers, [0, 10, 20])
        XCTAssertEqual(info.crossAttentionHeads, 9)
    }

    func testGatesAndAttentionUseTheRealLayerIndices() throws {
        let (backend, data) = try open()
        let gates = try backend.gates(control: JobControl())
        XCTAssertEqual(gates.map(\.layer), [0, 10, 20])
        let lm = try backend.predictor("xattn+perceiver").trained.languageModel
        XCTAssertEqual(gates.count, lm.gateValues.count)
        for (g, v) in zip(gates, lm.gateValues) { XCTAssertEqual(g.tanhAlpha, Float(v), accuracy: 1e-6, "layer \(g.layer)") }
        XCTAssertTrue(gates.contains { $0.alpha != 0 }, "finetuning moved the gates off 0")

        let mode = try XCTUnwrap(backend.info.modes.first { $0.id == "xattn+perceiver" })
        let q = try query(data, task: .nextItem, topK: 1)
        let cap = try backend.attention(q, mode: mode, control: JobControl())
        XCTAssertEqual(cap.layers, 3)
        XCTAssertEqual(cap.layerIndices, [0, 10, 20])
        XCTAssertEqual(cap.heads, 9)
        XCTAssertEqual(cap.rowTokens.last, "<|im_end|>", "the answer the capture replays ends the ChatML turn")
    }

    func testNextItemAnswersAreCatalogueTitlesInEveryMode() throws {
        let (backend, data) = try open()
        let q = try query(data, task: .nextItem, topK: 2)
        let titles = Set(data.dataset.items.map(\.name))
        for mode in backend.info.modes {
            let r = try backend.run(q, mode: mode, control: JobControl())
            XCTAssertEqual(r.answers.count, 2, mode.id)
            for a in r.answers {
                XCTAssertTrue(titles.contains(a.text), "\(mode.id) answered \(a.text), not a catalogue title")
                XCTAssertLessThan(a.logProbability, 0, mode.id)
            }
            if mode.isTextPrompt { XCTAssertGreaterThan(r.promptTokens, 5 * 8, "\(mode.id): TP's prompt holds the 5 events as text") }
        }
        // Zero-shot and finetuned TP are different models: same prompt, different scores.
        let tp = try backend.run(q, mode: backend.info.modes.first { $0.id == "tp" }!, control: JobControl())
        let zero = try backend.run(q, mode: backend.info.modes.first { $0.id == "tp-zeroshot" }!, control: JobControl())
        XCTAssertEqual(tp.promptTokens, zero.promptTokens)
        XCTAssertNotEqual(tp.answers.map(\.logProbability), zero.answers.map(\.logProbability))
    }

    /// Reviews are free text: decoding stops at <|im_end|> (the chat template's end of
    /// turn, not userllm's <|eos|>) and the text has no special tokens in it.
    func testReviewAnswersAreTextEndedByTheChatTurn() throws {
        let (backend, data) = try open()
        let q = try query(data, task: .review, topK: 1)
        let p = try backend.predictor("tp-zeroshot")
        let tokenizer = p.trained.tokenizer
        let imEnd = try XCTUnwrap(tokenizer.id(ofSpecial: "<|im_end|>"))
        let imStart = try XCTUnwrap(tokenizer.id(ofSpecial: "<|im_start|>"))
        XCTAssertEqual(p.trained.prompts.endOfAnswer, imEnd)
        let words = tokenizer.encode("Works great", allowSpecial: false)
        XCTAssertEqual(tokenizer.decode([imStart] + words + [imEnd], skipSpecial: true), "Works great")

        let r = try backend.run(q, mode: backend.info.modes.first { $0.id == "tp-zeroshot" }!, control: JobControl())
        let text = try XCTUnwrap(r.answers.first?.text)
        XCTAssertFalse(text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
        XCTAssertFalse(text.contains("<|"), text)
        XCTAssertNotNil(r.metrics["ROUGE-L"])
        // What the panel shows is the greedy continuation, special tokens skipped, cut at
        // the run's answer length. (135M parameters asked zero-shot may loop without
        // ending its turn within that length; the explorer shows what it wrote.)
        let ex = try p.example(user: q.user, task: .review, cut: q.cut)
        let budget = p.trained.prompts.maxAnswerTokens
        let out = p.generator.greedy(p.prompt(ex).prompt, maxNewTokens: budget, stopTokens: [imEnd])
        XCTAssertFalse(out.tokens.contains(imEnd))
        XCTAssertEqual(text, tokenizer.decode(out.tokens, skipSpecial: true))
        // Where the model does end its turn, decoding stops there: a question the
        // instruct model answers in one sentence (README: "The capital of France is Paris.").
        let chat = try XCTUnwrap(backend.context.backbone?.chat)
        let prompt = chat.encode([ChatMessage(role: "user", content: "What is the capital of France? Answer in one sentence.")], with: tokenizer)
        let answer = p.generator.greedy(GenerationPrompt(tokens: prompt), maxNewTokens: 40, stopTokens: [imEnd])
        XCTAssertTrue(answer.finished, "no <|im_end|> in 40 tokens: \(tokenizer.decode(answer.tokens))")
        XCTAssertTrue(tokenizer.decode(answer.tokens, skipSpecial: true).contains("Paris"), tokenizer.decode(answer.tokens))
    }

    /// `eval` on review generation keeps the first users' generated reviews beside their
    /// real ones (JSON and the printed text), as the predictor writes them.
    func testEvaluationKeepsGeneratedReviewsBesideTheRealOnes() throws {
        let (backend, _) = try open()
        let choice = try XCTUnwrap(backend.choices["tp-zeroshot"])
        let evaluator = Evaluator(context: backend.context)
        let report = try evaluator.evaluate(models: [choice], options: EvaluationOptions(tasks: [.review], limit: 4, baselines: false))
        let result = try XCTUnwrap(report.rows.first?.result(.review))
        XCTAssertEqual(result.examples, 4)
        XCTAssertEqual(result.samples.count, ReviewSample.perModel)
        let p = try backend.predictor("tp-zeroshot")
        let examples = evaluator.examples(.review, limit: 4)
        for (sample, ex) in zip(result.samples, examples) {
            XCTAssertEqual(sample.user, ex.user)
            XCTAssertEqual(sample.real, p.reviewReference(ex))
            XCTAssertEqual(sample.generated, p.predict(ex).answers.first?.text, "greedy decoding is deterministic")
            XCTAssertFalse(sample.real.isEmpty)
        }
        let decoded = try JSONDecoder().decode(EvaluationReport.self, from: report.json())
        XCTAssertEqual(decoded.rows.first?.result(.review)?.samples, result.samples)
        let text = try XCTUnwrap(report.reviewSamplesText)
        XCTAssertTrue(text.contains("real: \"\(result.samples[0].real)\""), text)
        XCTAssertTrue(text.contains("\(choice.name): \"\(result.samples[0].generated)\""), text)

        // End to end against Google's rouge-score on the texts the model wrote: the same
        // F1s per user (sentences split by our `Rouge.splitSentences`, as the evaluator does).
        let pairs = result.samples.map { ["prediction": Rouge.splitSentences($0.generated), "target": Rouge.splitSentences($0.real)] }
        let theirs = try rougeScore(pairs)
        for (i, scores) in theirs.enumerated() {
            for metric in ["rouge1", "rouge2", "rougeL", "rougeLsum"] {
                let ours = try XCTUnwrap(result.perUser[metric]?[i])
                XCTAssertEqual(ours, try XCTUnwrap(scores[metric]), accuracy: 1e-12, "user \(result.samples[i].user) \(metric)")
            }
        }
    }

    /// rouge-score's F1s (`fmeasure`) for each prediction/target pair, from /usr/bin/python3
    /// (scripts/install-deps.sh --test installs the package; skipped without it, failed under CI).
    private func rougeScore(_ pairs: [[String: String]]) throws -> [[String: Double]] {
        let script = """
        import json, sys
        from rouge_score import rouge_scorer
        s = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL", "rougeLsum"])
        out = [{k: v.fmeasure for k, v in s.score(p["target"], p["prediction"]).items()} for p in json.load(sys.stdin)]
        print(json.dumps(out))
        """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        p.arguments = ["-c", script]
        let (input, output, errors) = (Pipe(), Pipe(), Pipe())
        (p.standardInput, p.standardOutput, p.standardError) = (input, output, errors)
        try p.run()
        input.fileHandleForWriting.write(try JSONSerialization.data(withJSONObject: pairs))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        if p.terminationStatus != 0 {
            if message.contains("No module named 'rouge_score'") && ProcessInfo.processInfo.environment["CI"] != "true" {
                throw XCTSkip("/usr/bin/python3 lacks rouge_score (scripts/install-deps.sh --test installs it)")
            }
            XCTFail("rouge-score failed: \(message)")
            return []
        }
        return try JSONDecoder().decode([[String: Double]].self, from: data)
    }

    /// The screen a user gets (120×32): the title names the backbone beside the preset,
    /// the gate view has a bar per cross-attention layer labelled 0, 10, 20.
    func testScreenNamesTheBackboneAndLabelsRealLayers() throws {
        let (backend, data) = try open()
        let runner = TaskRunner(opening: { backend })
        let user = try query(data, task: .nextItem, topK: 1).user
        let session = ExplorerSession(data: data, runner: runner,
                                      renderer: ExplorerRenderer(data: data, theme: Theme(mode: .monochrome, ascii: false),
                                                                 runLabel: backend.info.runName),
                                      state: .initial(data: data, width: 120, height: 32, user: user))
        session.handle(.key(.char("g")))
        runner.waitUntilIdle()
        let canvas = TextCanvas(width: 120, height: 32)
        session.draw(on: canvas)
        let screen = canvas.plainText()
        if ProcessInfo.processInfo.environment["USERLLM_PRINT_SCREEN"] == "1" { print(screen) }
        let title = screen.split(separator: "\n", omittingEmptySubsequences: false)[0]
        XCTAssertTrue(title.contains("SmolLM2-135M-Instruct"), String(title))
        XCTAssertTrue(title.contains("preset smol"), String(title))
        for layer in [0, 10, 20] { XCTAssertTrue(screen.contains("layer \(layer) "), "layer \(layer) missing:\n\(screen)") }
        XCTAssertFalse(screen.contains("layer 1 "), screen)
    }
}
