import Explorer
import Foundation

extension TUICommand {
    /// Prints launch-to-first-frame (in-process, on a TextCanvas) and keypress-to-redraw
    /// figures. The terminal's part is measured by scripts/tui-e2e.sh through tmux.
    func runBench(data: ExplorerData, runner: TaskRunner, launched: UInt64, loaded: UInt64, indexed: UInt64) {
        let theme = Theme(mode: .xterm256)
        let canvas = TextCanvas(width: 80, height: 24)
        let session = ExplorerSession(data: data, runner: runner, renderer: ExplorerRenderer(data: data, theme: theme, runLabel: "bench"),
                                      state: .initial(data: data, width: 80, height: 24))
        session.draw(on: canvas)
        let framed = DispatchTime.now().uptimeNanoseconds
        let ms = { (a: UInt64, b: UInt64) in Double(b - a) / 1e6 }
        // Results after a cut move, on the real run (when there is one).
        let (info, why) = ResultBenchmark.waitReady(runner)
        let ready = DispatchTime.now().uptimeNanoseconds
        let results = info == nil ? [] : ResultBenchmark.run(data: data, runner: runner, theme: theme)
        // Navigation without a model: the UI thread's own cost, not competing with inference.
        let figures = NavigationBenchmark.run(data: data, runner: TaskRunner(unavailable: "bench"), theme: theme, sizes: [(80, 24), (160, 48)])
        let runText = info.map { "\($0.runName) (preset \($0.preset)\($0.backbone.map { ", \($0)" } ?? ""))" } ?? "none"
        if json {
            var out = "{\"dataset\":\"\(data.dataset.name)\",\"load_ms\":\(ms(launched, loaded)),\"index_ms\":\(ms(loaded, indexed)),"
            out += "\"first_frame_ms\":\(ms(indexed, framed)),\"launch_to_first_frame_ms\":\(ms(launched, framed)),"
            out += "\"run\":\"\(runText)\",\"launch_to_run_ready_ms\":\(info == nil ? "null" : "\(ms(launched, ready))"),\"results_after_cut\":["
            out += results.map { r in
                "{\"mode\":\"\(r.mode.id)\",\"samples\":\(r.seconds.count),\"median_ms\":\(r.median * 1e3),\"max_ms\":\(r.max * 1e3)}"
            }.joined(separator: ",")
            out += "],\"keys\":["
            out += figures.map { f in
                "{\"scenario\":\"\(f.label)\",\"size\":\"\(f.width)x\(f.height)\",\"samples\":\(f.samples),\"median_ms\":\(f.median * 1e3),\"p95_ms\":\(f.p95 * 1e3),\"max_ms\":\(f.max * 1e3)}"
            }.joined(separator: ",")
            print(out + "]}")
            return
        }
        print("userllm-tui benchmark · \(data.dataset.name) · \(data.dataset.users.count) users · \(data.dataset.events.count) events · run \(runText)")
        print("")
        print("launch to first frame (in-process, from main(); excludes exec and terminal output; the run opens in the background)")
        print(String(format: "  load dataset      %8.1f ms", ms(launched, loaded)))
        print(String(format: "  index timelines   %8.1f ms", ms(loaded, indexed)))
        print(String(format: "  first frame       %8.1f ms", ms(indexed, framed)))
        print(String(format: "  total             %8.1f ms   (aim < 500 ms)", ms(launched, framed)))
        print("")
        print("keypress to redraw (state update + full frame on a TextCanvas; aim < 16 ms)")
        print("  scenario               size      keys   median      p95      max")
        for f in figures {
            print(String(format: "  %@ %7@ %6d %7.3f ms %7.3f ms %7.3f ms",
                         DisplayWidth.pad(f.label, to: 22) as NSString, "\(f.width)x\(f.height)" as NSString,
                         f.samples, f.median * 1e3, f.p95 * 1e3, f.max * 1e3))
        }
        print("")
        if info == nil {
            print("results after a cut move: not measured — \(why)")
        } else {
            print(String(format: "  run opened        %8.1f ms after launch (background; the first frame does not wait)", ms(launched, ready)))
            print("")
            print("results after moving the cut (key h → that mode's answers drawn; 160x48, modes run in order, aim < 100 ms for cross-attention with small)")
            print("  mode             moves   median      max")
            for r in results {
                print(String(format: "  %@ %5d %8.1f ms %8.1f ms", DisplayWidth.pad(r.mode.title, to: 14) as NSString, r.seconds.count, r.median * 1e3, r.max * 1e3))
            }
            if let tp = results.first(where: { $0.mode.isTextPrompt }), let xa = results.first(where: { $0.mode.hasCrossAttention && !$0.mode.usesPerceiver }) {
                print(String(format: "  TP ÷ Cross-attn (time until shown): %.1f×", tp.median / xa.median))
            }
        }
    }
}
