import Foundation

/// Keypress-to-redraw on an in-memory canvas: the state update plus the full frame
/// render, per navigation key, the work the UI thread does for each key (the terminal's
/// own output is measured separately, through tmux).
public enum NavigationBenchmark {
    public struct Figure: Sendable {
        public var label: String
        public var width: Int
        public var height: Int
        public var samples: Int
        public var median: Double
        public var p95: Double
        public var max: Double
    }

    /// Key sequences, each a navigation a user repeats: (label, keys applied in a loop).
    public static let scenarios: [(String, [Key])] = [
        ("users ↓ (j)", [.char("j")]),
        ("users ↑↓ page", [.pageDown, .pageUp]),
        ("cut ← → (h/l)", [.char("h"), .char("h"), .char("l"), .char("l")]),
        ("timeline cursor", [.tab, .char("j"), .char("j"), .char("k"), .backTab]),
        ("task tabs 1/2/3", [.char("2"), .char("3"), .char("1")]),
        ("gates / attention", [.char("g"), .char("a"), .char("a")]),
        ("filter typing", [.char("/"), .char("2"), .char("1"), .backspace, .backspace, .escape]),
    ]

    /// Runs each scenario `repeats` times at each size; times are seconds per key.
    public static func run(data: ExplorerData, runner: TaskRunner, theme: Theme, sizes: [(Int, Int)], repeats: Int = 200) -> [Figure] {
        var figures: [Figure] = []
        for (w, h) in sizes {
            let canvas = TextCanvas(width: w, height: h)
            for (label, keys) in scenarios {
                let session = ExplorerSession(data: data, runner: runner,
                                              renderer: ExplorerRenderer(data: data, theme: theme, runLabel: "bench"),
                                              state: .initial(data: data, width: w, height: h))
                session.draw(on: canvas)
                var times: [Double] = []
                times.reserveCapacity(repeats * keys.count)
                for _ in 0..<repeats {
                    for k in keys {
                        let t0 = DispatchTime.now().uptimeNanoseconds
                        session.handle(.key(k))
                        session.draw(on: canvas)
                        times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
                    }
                }
                times.sort()
                figures.append(Figure(label: label, width: w, height: h, samples: times.count,
                                      median: times[times.count / 2], p95: times[min(times.count - 1, times.count * 95 / 100)],
                                      max: times.last ?? 0))
            }
        }
        return figures
    }
}
