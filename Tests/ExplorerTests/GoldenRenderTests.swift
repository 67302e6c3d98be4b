import XCTest
import Explorer

/// Every view at 80×24 and 160×48, with and without a model, in Unicode and ASCII.
/// Goldens live in Tests/Fixtures/explorer/ (USERLLM_UPDATE_GOLDENS=1 regenerates).
final class GoldenRenderTests: XCTestCase {
    let data = ExplorerData(dataset: FixtureDataset.make())
    static let noRun = "No trained run for fixture-movies. Nothing is computed, so no answers or figures are shown."

    /// Renders a frame after `keys`, with the runner idle (no spinners in goldens).
    func frame(_ keys: [Key], size: (Int, Int), backend: Bool, ascii: Bool = false, ansi: Bool = false, user: String = "10",
               data: ExplorerData? = nil, configure: (FixtureBackend) -> Void = { _ in }) -> String {
        let data = data ?? self.data
        let runner: TaskRunner
        if backend {
            let b = FixtureBackend(data: data)
            configure(b)
            runner = TaskRunner(opening: { b })
        } else {
            runner = TaskRunner(unavailable: GoldenRenderTests.noRun)
        }
        let u = Int32(data.dataset.users.firstIndex { $0.rawID == user }!)
        let theme = Theme(mode: ansi ? .xterm256 : .monochrome, ascii: ascii)
        let session = ExplorerSession(data: data, runner: runner,
                                      renderer: ExplorerRenderer(data: data, theme: theme, runLabel: backend ? "fixture-run" : "none"),
                                      state: .initial(data: data, width: size.0, height: size.1, user: u))
        for k in keys {
            session.handle(.key(k))
            runner.waitUntilIdle()
            let canvas = TextCanvas(width: size.0, height: size.1)
            session.draw(on: canvas)  // adopts the run's shape (layers, columns) as the live loop does
        }
        runner.waitUntilIdle()
        let canvas = TextCanvas(width: size.0, height: size.1)
        session.draw(on: canvas)
        return ansi ? canvas.ansiText() : canvas.plainText()
    }

    static let views: [(String, [Key])] = [
        ("users", []),
        ("timeline", [.tab, .char("h"), .char("h")]),
        ("tasks", [.tab, .tab]),
        ("genre", [.char("2")]),
        ("review", [.char("3")]),
        ("gates", [.char("g")]),
        ("attention", [.char("a"), .backTab, .char("l"), .char("l")]),
        ("help", [.char("?")]),
    ]

    func testViewsWithoutARun() {
        for (name, keys) in GoldenRenderTests.views where name != "genre" {
            for size in [(80, 24), (160, 48)] {
                Golden.check(frame(keys, size: size, backend: false), "norun-\(name)-\(size.0)x\(size.1).txt")
            }
        }
    }

    /// `m` switches the attention view to the Perceiver run: text × latents above,
    /// latents × history events below.
    func testPerceiverAttentionShowsWhatEachLatentRead() {
        let keys: [Key] = [.char("a"), .backTab, .char("m")]
        let roomy = frame(keys, size: (160, 48), backend: true)
        XCTAssertTrue(roomy.contains("text tokens × Perceiver latents"), roomy)
        XCTAssertTrue(roomy.contains("Perceiver latents × history events"), roomy)
        XCTAssertTrue(roomy.contains("latent 4"), roomy)
        Golden.check(roomy, "fixture-attention-perceiver-160x48.txt")
        // Too small for both maps: the text × latents map alone.
        XCTAssertFalse(frame(keys, size: (80, 24), backend: true).contains("Perceiver latents × history events"))
    }

    func testViewsWithAFixtureBackend() {
        for (name, keys) in GoldenRenderTests.views where name != "help" {
            for size in [(80, 24), (160, 48)] {
                Golden.check(frame(keys, size: size, backend: true), "fixture-\(name)-\(size.0)x\(size.1).txt")
            }
        }
    }

    func testASCIIMode() {
        for (name, keys) in GoldenRenderTests.views {
            let text = frame(keys, size: (80, 24), backend: true, ascii: true)
            Golden.check(text, "ascii-\(name)-80x24.txt")
            // No box-drawing, block, braille or arrow characters anywhere; dataset titles may be wide.
            let forbidden = text.unicodeScalars.filter { (0x2190...0x28FF).contains($0.value) }
            XCTAssertTrue(forbidden.isEmpty, "\(name): \(String(String.UnicodeScalarView(forbidden)))")
        }
    }

    func testWideTitleIsLaidOutByDisplayWidth() {
        // User "2" watched 千と千尋の神隠し and 올드보이: every row stays exactly 160 columns wide.
        let text = frame([.tab], size: (160, 48), backend: false, user: "2")
        XCTAssertTrue(text.contains("千と千尋の神隠し (2001)"))
        XCTAssertTrue(text.contains("올드보이 (2003)"))
        for line in text.split(separator: "\n") where line.contains("│") {
            XCTAssertEqual(DisplayWidth.of(String(line)), 160, String(line))
        }
        Golden.check(text, "norun-widetitles-160x48.txt")
    }

    func testANSIColourFrame() {
        Golden.check(frame([.char("a")], size: (80, 24), backend: true, ansi: true), "ansi-attention-80x24.txt")
    }

    /// A run on a pretrained LLM with cross-attention in every third of its 30 layers: the
    /// title names the backbone beside the preset, every gate shows (two columns when the
    /// pane is short) and the attention view's layers are 0, 3, 6, … as in the model.
    func testPretrainedBackboneShowsItsNameAndRealLayers() {
        let smol: (FixtureBackend) -> Void = { b in
            b.preset = "smol"
            b.backbone = "SmolLM2-135M-Instruct"
            b.crossAttentionLayers = Array(stride(from: 0, to: 30, by: 3))
        }
        let gates = frame([.char("g")], size: (80, 24), backend: true, configure: smol)
        Golden.check(gates, "backbone-gates-80x24.txt")
        XCTAssertTrue(gates.hasPrefix(" userllm-tui  fixture-movies"))
        // 80 columns: the dataset's counts give way, then the preset; the backbone stays.
        XCTAssertTrue(gates.split(separator: "\n")[0].hasSuffix("run: fixture-run · SmolLM2-135M-Instruct"), gates)
        let wide = frame([.char("g")], size: (160, 48), backend: true, configure: smol)
        XCTAssertTrue(wide.split(separator: "\n")[0].hasSuffix("run: fixture-run · preset smol · SmolLM2-135M-Instruct"), wide)
        for l in stride(from: 0, to: 30, by: 3) { XCTAssertTrue(gates.contains("layer \(l) "), "layer \(l)") }
        let short = frame([.char("g")], size: (80, 20), backend: true, configure: smol)
        Golden.check(short, "backbone-gates-80x20.txt")
        for l in stride(from: 0, to: 30, by: 3) { XCTAssertTrue(short.contains("L\(l) "), "L\(l)") }
        let attention = frame([.char("a"), .backTab, .char("]"), .char("]")], size: (80, 24), backend: true, configure: smol)
        Golden.check(attention, "backbone-attention-80x24.txt")
        XCTAssertTrue(attention.contains("layer 6 (3/10)"))
        let wrapped = frame([.char("a"), .backTab, .char("[")], size: (80, 24), backend: true, configure: smol)
        XCTAssertTrue(wrapped.contains("layer 27 (10/10)"))
    }

    /// Side by side, a review longer than the top-K rows pushes the ratio line down instead
    /// of being written over by it.
    func testLongReviewsKeepTheRatioLineBelowThem() {
        let reviews = ExplorerData(dataset: FixtureDataset.make(reviews: true))
        let text = "I'm a huge fan of this one: the score, the pacing and the ending all work, and I have watched it twice this year already with friends. The second time I noticed how much the quiet scenes carry, and the last ten minutes still got me."
        let screen = frame([.char("3")], size: (160, 48), backend: true, data: reviews, configure: { $0.reviewText = text })
        Golden.check(screen, "fixture-review-long-160x48.txt")
        let lines = screen.split(separator: "\n").map(String.init)
        let ratio = lines.lastIndex { $0.contains("TP ÷ Cross-attn:") }
        let lastFigure = lines.lastIndex { $0.contains("ROUGE-L 0.250") }
        XCTAssertNotNil(ratio, screen)
        XCTAssertNotNil(lastFigure, screen)
        if let ratio, let lastFigure { XCTAssertGreaterThan(ratio, lastFigure, screen) }
        // Nothing written over it: after "FLOPs" only blanks up to the frame.
        if let ratio, let end = lines[ratio].range(of: "FLOPs") {
            XCTAssertTrue(lines[ratio][end.upperBound...].allSatisfy { $0 == " " || $0 == "│" }, lines[ratio])
        }
    }

    func testTooSmallTerminalSaysSo() {
        let text = frame([], size: (40, 10), backend: false)
        XCTAssertTrue(text.contains("Terminal too small: 40x10"))
    }

    func testRenderIsDeterministic() {
        XCTAssertEqual(frame([.tab, .tab], size: (80, 24), backend: true), frame([.tab, .tab], size: (80, 24), backend: true))
    }
}
