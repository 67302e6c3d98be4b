import Explorer
import Foundation

/// Time from moving the cut (one `h` key) until each mode's results are on the screen
/// (the frame drawn after the runner reports them), on a real run; and launch-to-ready.
enum ResultBenchmark {
    struct Figure {
        var mode: ModeDescriptor
        var seconds: [Double]
        var median: Double { seconds.sorted()[seconds.count / 2] }
        var max: Double { seconds.max() ?? 0 }
    }

    /// Waits for the runner to open its backend; nil (with the reason) when it cannot.
    static func waitReady(_ runner: TaskRunner, timeout: Double = 120) -> (BackendInfo?, String) {
        let t0 = DispatchTime.now().uptimeNanoseconds
        while Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9 < timeout {
            switch runner.snapshot(for: nil).availability {
            case .ready(let info): return (info, "")
            case .unavailable(let why), .failed(let why): return (nil, why)
            case .opening: usleep(1000)
            }
        }
        return (nil, "the run did not open in \(Int(timeout)) s")
    }

    /// Moves the cut `moves` times back from the end of `user`'s history (at least
    /// `moves + 2` events), timing each mode's arrival.
    static func run(data: ExplorerData, runner: TaskRunner, theme: Theme, width: Int = 160, height: Int = 48, moves: Int = 12) -> [Figure] {
        let user = data.visibleUsers(filter: "", sort: .id).first { data.timelines[Int($0)].count >= moves + 60 } ?? 0
        let session = ExplorerSession(data: data, runner: runner, renderer: ExplorerRenderer(data: data, theme: theme, runLabel: "bench"),
                                      state: .initial(data: data, width: width, height: height, user: user))
        let canvas = TextCanvas(width: width, height: height)
        runner.waitUntilIdle()
        var times: [String: [Double]] = [:]
        var modes: [ModeDescriptor] = []
        for _ in 0..<moves {
            let t0 = DispatchTime.now().uptimeNanoseconds
            session.handle(.key(.char("h")))
            var settled = Set<String>()
            while true {
                let snap = runner.snapshot(for: session.renderer.query(for: session.state))
                modes = snap.modes.map(\.mode)
                let arrived = snap.modes.filter { !settled.contains($0.mode.id) && $0.status.value != nil }.map(\.mode.id)
                if !arrived.isEmpty {
                    session.draw(on: canvas)
                    let t = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
                    for id in arrived { times[id, default: []].append(t) }
                }
                settled.formUnion(arrived)
                for m in snap.modes { if case .failed = m.status { settled.insert(m.mode.id) } }
                if settled.count == snap.modes.count { break }
                usleep(200)
            }
        }
        return modes.compactMap { m in times[m.id].flatMap { $0.isEmpty ? nil : Figure(mode: m, seconds: $0) } }
    }
}
