import Explorer
import Foundation
import Timelines
import UserLLM
import UserLLMExplorer
import XCTest

/// The explorer on a real (tiny) trained run: what the backend answers and what the task
/// panel shows.
final class UserLLMBackendTests: XCTestCase {
    private func open() throws -> (UserLLMBackend, ExplorerData) {
        let (_, data, url) = try TinyRun.get()
        return (try UserLLMBackend(run: url, dataset: data.dataset), data)
    }

    /// Users (dataset indices) with enough history, and cuts spread over it.
    private func queries(_ data: ExplorerData, task: ExplorerTask, topK: Int = 5) -> [TaskQuery] {
        var out: [TaskQuery] = []
        for u in [0, 2, 9] as [Int32] {
            let n = data.timelines[Int(u)].count
            for cut in [1, n / 2, n - 1] { if let q = data.query(user: u, cut: cut, task: task, topK: topK) { out.append(q) } }
        }
        return out
    }

    func testInfoListsEveryFinetunedModelFastModesFirst() throws {
        let (backend, _) = try open()
        // The encoder alone first (its checkpoint is there), TP last.
        XCTAssertEqual(backend.info.modes.map(\.id), ["encoder", "xattn", "xattn+perceiver", "soft", "tp"])
        XCTAssertEqual(backend.info.modes.first?.tasks, [.nextItem])
        XCTAssertEqual(backend.info.modes.filter(\.isTextPrompt).map(\.id), ["tp"])
        XCTAssertEqual(backend.info.modes.filter(\.hasCrossAttention).map(\.id), ["xattn", "xattn+perceiver"])
        XCTAssertEqual(backend.info.preset, "tiny")
        // MovieLens has no review text: the run trains the two closed tasks only.
        XCTAssertEqual(backend.info.tasks, [.nextItem, .favoriteGenre])
        XCTAssertEqual(backend.info.crossAttentionLayers, [0, 1])
        XCTAssertNil(backend.info.backbone, "the tiny run trains its own LLM")
        XCTAssertEqual(backend.info.crossAttentionHeads, 2)
    }

    func testNextItemAnswersAreCatalogueItemsNotAlreadyRatedWithCosts() throws {
        let (backend, data) = try open()
        let ds = data.dataset
        let names = Set(ds.items.map(\.name))
        for q in queries(data, task: .nextItem) {
            let line = data.timelines[Int(q.user)]
            let rated = Set(line[..<q.cut].map { ds.items[Int(ds.events[Int($0)].item)].name })
            var tokens: [String: Int] = [:]
            for mode in backend.info.modes {
                let r = try backend.run(q, mode: mode, control: JobControl())
                XCTAssertEqual(r.mode, mode.id)
                XCTAssertEqual(r.answers.count, q.topK, "\(mode.id) cut \(q.cut)")
                XCTAssertEqual(Set(r.answers.map(\.text)).count, r.answers.count, "answers repeat")
                for a in r.answers {
                    XCTAssertTrue(names.contains(a.text), "\(a.text) is not in the catalogue")
                    // History masked: nothing rated before the target, unless it shares the target's name.
                    XCTAssertTrue(!rated.contains(a.text) || a.text == q.expected, "\(a.text) was rated before the cut")
                    XCTAssertLessThan(a.logProbability, 0)
                }
                XCTAssertEqual(r.answers.map(\.logProbability), r.answers.map(\.logProbability).sorted(by: >))
                XCTAssertGreaterThan(r.latency, 0)
                XCTAssertGreaterThan(r.flops, 0)
                tokens[mode.id] = r.promptTokens
            }
            // TP writes the history into the prompt; the embedding modes ask only the question.
            XCTAssertGreaterThan(tokens["tp"]!, tokens["xattn"]!, "cut \(q.cut), \(q.history.count) events")
            if q.history.count >= 20 { XCTAssertGreaterThan(tokens["tp"]!, 4 * tokens["xattn"]!, "cut \(q.cut), \(q.history.count) events") }
            XCTAssertEqual(tokens["xattn"], tokens["soft"])
        }
    }

    /// With K ≥ the number of genres, constrained beam search ranks every genre, so the
    /// expected one must be there, exactly once — and the backend's rank of it is the one
    /// the run's own Predictor gives for the same example.
    func testFavoriteGenreRanksEveryGenreAndMarksTheExpectedOne() throws {
        let (backend, data) = try open()
        let genres = Set(data.dataset.items.flatMap(\.categories))
        for q in queries(data, task: .favoriteGenre, topK: genres.count) {
            let mode = backend.info.modes.first { $0.id == "xattn" }!
            let r = try backend.run(q, mode: mode, control: JobControl())
            XCTAssertEqual(Set(r.answers.map(\.text)), genres)
            XCTAssertEqual(r.answers.filter { $0.text == q.expected }.count, 1, "expected \(q.expected)")
            let p = try backend.predictor("xattn")
            let ex = try p.example(user: q.user, task: .favoriteGenre, cut: q.cut)
            XCTAssertEqual(ex.answer, q.expected, "the explorer's target is the run's")
            XCTAssertEqual(Array(p.builder.windowEvents(ex)).map(Int.init), q.history, "the window the explorer highlights is the one the model sees")
            let ranked = p.predict(ex, options: PredictionOptions(beams: genres.count))
            XCTAssertEqual(r.answers.firstIndex { $0.text == q.expected }, ranked.targetRank)
        }
    }

    func testGatesOnePerCrossAttentionLayer() throws {
        let (backend, _) = try open()
        let gates = try backend.gates(control: JobControl())
        XCTAssertEqual(gates.map(\.layer), backend.info.crossAttentionLayers)
        XCTAssertEqual(gates.map(\.layer), [0, 1])
        let lm = try backend.predictor("xattn").trained.languageModel
        XCTAssertEqual(gates.map(\.tanhAlpha), lm.gateValues.map { Float($0) }, accuracy: 1e-6)
        // Finetuning moved the gates off their zero init.
        XCTAssertTrue(gates.contains { $0.alpha != 0 })
    }

    func testAttentionCaptureShapes() throws {
        let (backend, data) = try open()
        let q = data.query(user: 0, cut: 30, task: .nextItem, topK: 3)!
        for id in ["xattn", "xattn+perceiver"] {
            let mode = backend.info.modes.first { $0.id == id }!
            let result = try backend.run(q, mode: mode, control: JobControl())
            let cap = try backend.attention(q, mode: mode, control: JobControl())
            XCTAssertEqual(cap.layers, 2)
            XCTAssertEqual(cap.heads, 2)
            let p = try backend.predictor(id)
            let ex = try p.example(user: q.user, task: .nextItem, cut: q.cut)
            let answer = p.trained.answerTokens(result.answers[0].text, task: .nextItem)
            XCTAssertEqual(cap.answerStart, result.promptTokens)
            XCTAssertEqual(cap.rowTokens.count, result.promptTokens + answer.count)
            XCTAssertEqual(cap.rowTokens.last, "<|eos|>")
            XCTAssertEqual(p.trained.promptTokens(ex).count, cap.answerStart)
            if mode.usesPerceiver {
                XCTAssertEqual(cap.columns, .latents)
                XCTAssertEqual(cap.columnCount, 8)
                XCTAssertEqual(cap.latentHeads, 2)
                XCTAssertEqual(cap.latentsToEvents?.count, 2 * 8 * q.history.count)
            } else {
                XCTAssertEqual(cap.columns, .events)
                XCTAssertEqual(cap.columnCount, q.history.count)
                XCTAssertNil(cap.latentsToEvents)
            }
            for l in 0..<cap.layers {
                let m = cap.map(layer: l, head: 1)
                for r in 0..<cap.rowTokens.count {
                    let sum = m[(r * cap.columnCount)..<((r + 1) * cap.columnCount)].reduce(0, +)
                    XCTAssertEqual(sum, 1, accuracy: 1e-4, "layer \(l) row \(r)")
                }
            }
        }
    }

    func testCancellationBetweenDecodeSteps() throws {
        let (backend, data) = try open()
        let q = data.query(user: 0, cut: 40, task: .nextItem, topK: 5)!
        let tp = backend.info.modes.first { $0.isTextPrompt }!
        let already = JobControl()
        already.cancel()
        XCTAssertThrowsError(try backend.run(q, mode: tp, control: already)) { XCTAssertTrue($0 is CancellationError) }
        // Cancelled from inside the decoding loop (at its first progress report).
        final class Box: @unchecked Sendable { var control: JobControl?; var reports = 0 }
        let box = Box()
        let ctl = JobControl { _, _ in box.reports += 1; box.control?.cancel() }
        box.control = ctl
        XCTAssertThrowsError(try backend.run(q, mode: tp, control: ctl)) { XCTAssertTrue($0 is CancellationError) }
        XCTAssertEqual(box.reports, 1, "decoding must stop at the step after the cancel")
        // The backend still answers afterwards.
        XCTAssertEqual(try backend.run(q, mode: tp, control: JobControl()).answers.count, 5)
    }

    /// The task panel on a real run: every mode's column with catalogue answers marked
    /// hit or miss, its cost lines and the TP ÷ cross-attention line (numbers vary).
    func testTasksViewWithRealRun() throws {
        let (_, data, url) = try TinyRun.get()
        let dataset = data.dataset
        let runner = TaskRunner(opening: { try UserLLMBackend(run: url, dataset: dataset) })
        let theme = Theme(mode: .monochrome)
        var state = ExplorerState.initial(data: data, width: 160, height: 48, user: 0)
        state.focus = .detail
        let session = ExplorerSession(data: data, runner: runner, renderer: ExplorerRenderer(data: data, theme: theme, runLabel: url.lastPathComponent), state: state)
        runner.waitUntilIdle()
        let canvas = TextCanvas(width: 160, height: 48)
        session.draw(on: canvas)
        let text = canvas.plainText()
        for title in ["Encoder", "Cross-attn", "Cross-attn+P", "Soft prompt", "TP"] { XCTAssertTrue(text.contains(title), title) }
        func count(_ pattern: String) -> Int {
            (try! NSRegularExpression(pattern: pattern)).numberOfMatches(in: text, range: NSRange(text.startIndex..., in: text))
        }
        XCTAssertEqual(count("latency [0-9.]+ [mµ]?s"), 5, "latency lines")
        XCTAssertEqual(count("prompt tokens [0-9,]+"), 5, "prompt token lines")
        XCTAssertEqual(count("FLOPs [0-9.]+ [kMGTP]?FLOP"), 5, "FLOP lines")
        XCTAssertTrue(text.contains("TP ÷ Cross-attn:"), "the ratio line")
        if count("latency [0-9.]+ [mµ]?s") != 5 { print(text) }
        let names = Set(dataset.items.map(\.name))
        let ranked = text.split(separator: "\n").flatMap { line in
            line.split(separator: "│").map { $0.trimmingCharacters(in: .whitespaces) }
        }.flatMap { cell -> [String] in
            // "1. ✓ Title" — columns sit side by side, separated by two spaces.
            cell.components(separatedBy: "  ").filter { $0.range(of: #"^[1-5]\. [✓✗] "#, options: .regularExpression) != nil }
        }
        XCTAssertEqual(count(#"[1-5]\. [✓✗] "#), 5 * 5, "ranked answers")
        if count(#"[1-5]\. [✓✗] "#) != 25 { print(text) }
        for r in ranked {
            let name = String(r.dropFirst(5)).trimmingCharacters(in: .whitespaces)
            XCTAssertTrue(names.contains(name) || name.hasSuffix("…"), "\(name) is not a catalogue title")
        }
        XCTAssertFalse(text.contains("failed"), "a mode failed")
    }
}

private func XCTAssertEqual(_ a: [Float], _ b: [Float], accuracy: Float, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, file: file, line: line)
    for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: accuracy, file: file, line: line) }
}
