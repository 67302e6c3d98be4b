import Foundation
import XCTest
import Explorer

/// `B` moves the explorer between a dataset's from-scratch run and its SmolLM2 run.
final class BackboneSwitchTests: XCTestCase {
    let data = ExplorerData(dataset: FixtureDataset.make())

    func scratchBackend() -> FixtureBackend {
        let b = FixtureBackend(data: data)
        b.preset = "small"
        return b
    }

    func smolBackend() -> FixtureBackend {
        let b = FixtureBackend(data: data)
        b.preset = "smol"
        b.backbone = "SmolLM2-135M-Instruct"
        b.crossAttentionLayers = [0, 3, 6]
        b.modes = FixtureBackend.modes + [ModeDescriptor(id: "tp-zeroshot", title: "TP 0-shot", isTextPrompt: true)]
        return b
    }

    func session(_ first: FixtureBackend, label: String, other: RunOpening?, missing: String = "no other run") -> ExplorerSession {
        let runs = BackboneSwitch(shown: RunOpening(label: label, open: { first }), other: other, missing: missing)
        let u = Int32(data.dataset.users.firstIndex { $0.rawID == "10" }!)
        return ExplorerSession(data: data, runner: TaskRunner(opening: { first }),
                               renderer: ExplorerRenderer(data: data, theme: Theme(mode: .monochrome, ascii: false), runLabel: label),
                               state: .initial(data: data, width: 160, height: 48, user: u), backbones: runs)
    }

    /// The frame once the runner is idle.
    func screen(_ s: ExplorerSession) -> [String] {
        s.runner.waitUntilIdle()
        let canvas = TextCanvas(width: 160, height: 48)
        s.draw(on: canvas)
        return canvas.plainText().split(separator: "\n").map(String.init)
    }

    func modeIDs(_ s: ExplorerSession) -> [String] {
        s.runner.snapshot(for: s.renderer.query(for: s.state)).modes.map(\.mode.id)
    }

    func testTheKeySwitchesToTheOtherBackboneAndBack() {
        let scratch = scratchBackend(), smol = smolBackend()
        // The SmolLM2 run takes until `opened` is signalled to open.
        let opened = DispatchSemaphore(value: 0)
        let s = session(scratch, label: "fixture-small", other: RunOpening(label: "fixture-smol", open: { opened.wait(); return smol }))
        var title = screen(s)[0]
        XCTAssertTrue(title.hasSuffix("run: fixture-small · from-scratch LLM"), title)
        XCTAssertEqual(modeIDs(s), ["soft", "xattn", "xattn+perceiver", "tp"])

        s.handle(.key(.char("B")))
        let callsBefore = scratch.calls.count
        // While it opens, the panes say so and keys still work.
        let canvas = TextCanvas(width: 160, height: 48)
        s.draw(on: canvas)
        XCTAssertTrue(canvas.plainText().contains("Opening the run…"), canvas.plainText())
        let cut = s.state.cut
        s.handle(.key(.char("h")))
        XCTAssertEqual(s.state.cut, cut - 1)
        s.handle(.key(.char("l")))
        opened.signal()
        title = screen(s)[0]
        XCTAssertTrue(title.hasSuffix("run: fixture-smol · SmolLM2-135M-Instruct"), title)
        XCTAssertEqual(modeIDs(s), ["soft", "xattn", "xattn+perceiver", "tp", "tp-zeroshot"])
        XCTAssertTrue(screen(s).contains { $0.contains("TP 0-shot") })
        XCTAssertEqual(smol.calls.count, 5, "the SmolLM2 run answers every mode of the shown query")
        s.handle(.key(.char("g")))
        XCTAssertTrue(screen(s).joined(separator: "\n").contains("layer 6"), "the gate view shows the SmolLM2 run's layers")
        XCTAssertEqual(scratch.calls.count, callsBefore, "the replaced backend is not called after the switch")

        s.handle(.key(.char("B")))
        title = screen(s)[0]
        XCTAssertTrue(title.hasSuffix("run: fixture-small · from-scratch LLM"), title)
        XCTAssertEqual(modeIDs(s), ["soft", "xattn", "xattn+perceiver", "tp"])
        XCTAssertFalse(screen(s).joined(separator: "\n").contains("layer 6"))
        XCTAssertNil(s.state.notice)
    }

    func testWithoutAnOtherRunTheKeySaysSoAndNothingChanges() {
        let scratch = scratchBackend()
        let missing = "no SmolLM2 run for fixture-movies: userllm train --llm smollm2-135m"
        let s = session(scratch, label: "fixture-small", other: nil, missing: missing)
        let before = screen(s)
        let calls = scratch.calls
        s.handle(.key(.char("B")))
        let after = screen(s)
        XCTAssertTrue(after[47].hasSuffix(missing), after[47])
        XCTAssertEqual(Array(after[0..<47]), Array(before[0..<47]), "only the status line changes")
        XCTAssertEqual(s.renderer.runLabel, "fixture-small")
        XCTAssertEqual(scratch.calls, calls)
        XCTAssertEqual(modeIDs(s), ["soft", "xattn", "xattn+perceiver", "tp"])
        // The next key clears the message.
        s.handle(.key(.char("j")))
        XCTAssertFalse(screen(s)[47].contains(missing))
    }

    /// The key is free everywhere it is looked up; typed into the filter it is text.
    func testTheKeyIsGlobalAndTypesIntoTheFilter() {
        XCTAssertEqual(Keymap.standard.action(for: .char("B"), in: .global), .switchBackbone)
        XCTAssertEqual(Keymap.standard.action(for: .char("B"), in: .attention), .switchBackbone)
        var st = ExplorerState.initial(data: data, width: 80, height: 24)
        st.apply(.key(.char("/")), data: data)
        st.apply(.key(.char("B")), data: data)
        XCTAssertEqual(st.filter, "B")
        XCTAssertFalse(st.wantsOtherBackbone)
    }

    /// A job of the old run still in flight when the runner reopens: cancelled, and what
    /// it returns anyway is not taken as the new run's answer.
    func testReopenDropsTheOldRunsLateAnswer() {
        let old = scratchBackend()
        old.blockMode = "tp"
        old.answersWhenCancelled = true
        let new = smolBackend()
        let r = TaskRunner(opening: { old })
        let q = data.query(user: 1, cut: 5, task: .nextItem)!
        r.request(q, attention: false)
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline, !old.calls.contains("tp@5") { usleep(1000) }
        XCTAssertTrue(old.calls.contains("tp@5"))
        r.reopen { new }
        if case .opening = r.snapshot(for: q).availability {} else { XCTFail("the runner should be opening the new run") }
        r.waitUntilIdle()
        XCTAssertEqual(old.calls.filter { $0 == "tp@5" }.count, 1)
        XCTAssertTrue(new.calls.contains("tp@5"), "the old run's late TP answer must not stand for the new run's")
        let snap = r.snapshot(for: q)
        guard case .ready(let info) = snap.availability else { return XCTFail("not ready") }
        XCTAssertEqual(info.backbone, "SmolLM2-135M-Instruct")
        XCTAssertTrue(snap.modes.allSatisfy { $0.status.value != nil })
        XCTAssertEqual(snap.gates.value?.map(\.layer), [0, 3, 6])
    }
}
