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
        let figures = NavigationBenchmark.run(data: data, runner: runner, theme: theme, sizes: [(80, 24), (160, 48)])
        if json {
            var out = "{\"dataset\":\"\(data.dataset.name)\",\"load_ms\":\(ms(launched, loaded)),\"index_ms\":\(ms(loaded, indexed)),"
            out += "\"first_frame_ms\":\(ms(indexed, framed)),\"launch_to_first_frame_ms\":\(ms(launched, framed)),\"keys\":["
            out += figures.map { f in
                "{\"scenario\":\"\(f.label)\",\"size\":\"\(f.width)x\(f.height)\",\"samples\":\(f.samples),\"median_ms\":\(f.median * 1e3),\"p95_ms\":\(f.p95 * 1e3),\"max_ms\":\(f.max * 1e3)}"
            }.joined(separator: ",")
            print(out + "]}")
            return
        }
        print("userllm-tui benchmark · \(data.dataset.name) · \(data.dataset.users.count) users · \(data.dataset.events.count) events")
        print("")
        print("launch to first frame (in-process, from main(); excludes exec and terminal output)")
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
        print("cross-attention / TP result times need a trained run (issues 4 and 5): not measured.")
    }
}
