import ArgumentParser
import Foundation
import Timelines

/// `userllm data bench`: loading and example-building speed, and peak memory.
struct DataBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time loading ml-latest-small and building all training examples; load a synthetic 20M-row ratings.csv.",
        discussion: "Make the synthetic folder with: python3 scripts/make-synthetic-ratings.py /tmp/ml-synthetic-20m. Build with -c release."
    )

    @Option(help: "ml-latest-small folder (default: $USERLLM_TEST_DATA/movielens-latest-small).")
    var small: String?

    @Option(help: "Folder with a synthetic ml-20m-format ratings.csv + movies.csv.")
    var synthetic: String?

    @Option(help: "Repeat the small benchmark this many times (best time is reported).")
    var repeats: Int = 3

    func run() throws {
        let env = ProcessInfo.processInfo.environment
        let smallDir = small ?? ((env["USERLLM_TEST_DATA"] ?? "../shared/data") + "/movielens-latest-small")
        var rows: [[String]] = []
        if FileManager.default.fileExists(atPath: smallDir) {
            var best = (load: Double.infinity, timelines: Double.infinity, examples: Double.infinity)
            var bestCPU = (load: Double.infinity, timelines: Double.infinity, examples: Double.infinity)
            var counts: [String] = []
            var eventCount = 0
            for _ in 0..<max(1, repeats) {
                let t0 = now(), c0 = cpu()
                let ds = try Dataset.load(from: URL(fileURLWithPath: smallDir), strict: true)
                let t1 = now(), c1 = cpu()
                let builder = ExampleBuilder(dataset: ds)
                let t2 = now(), c2 = cpu()
                counts = []
                for task in TaskKind.allCases where builder.supports(task) {
                    counts.append("\(task.rawValue) \(TextTable.n(builder.examples(task, .train).count))")
                }
                let t3 = now(), c3 = cpu()
                eventCount = ds.events.count
                best = (min(best.load, t1 - t0), min(best.timelines, t2 - t1), min(best.examples, t3 - t2))
                bestCPU = (min(bestCPU.load, c1 - c0), min(bestCPU.timelines, c2 - c1), min(bestCPU.examples, c3 - c2))
            }
            rows.append(["ml-latest-small: load", TextTable.n(eventCount), ms(best.load), ms(bestCPU.load), rate(eventCount, bestCPU.load), ""])
            rows.append(["ml-latest-small: timelines + split", TextTable.n(eventCount), ms(best.timelines), ms(bestCPU.timelines),
                         rate(eventCount, bestCPU.timelines), ""])
            rows.append(["ml-latest-small: all training examples", counts.joined(separator: ", "), ms(best.examples), ms(bestCPU.examples), "", vmHWM()])
        } else {
            print("skipping ml-latest-small: \(smallDir) not found")
        }
        if let dir = synthetic {
            print("loading \(dir) ...")
            let t0 = now(), c0 = cpu()
            let ds = try Dataset.load(from: URL(fileURLWithPath: dir))
            let t1 = now(), c1 = cpu()
            rows.append(["synthetic: load", TextTable.n(ds.events.count), ms(t1 - t0), ms(c1 - c0), rate(ds.events.count, c1 - c0), vmHWM()])
            let tl = Timelines(dataset: ds)
            let t2 = now(), c2 = cpu()
            rows.append(["synthetic: timelines (\(TextTable.n(tl.count)) users)", TextTable.n(ds.events.count), ms(t2 - t1),
                         ms(c2 - c1), rate(ds.events.count, c2 - c1), vmHWM()])
            if ds.report.skipped > 0 { print("synthetic: \(ds.report.skipped) lines skipped, first: \(ds.report.issues.first!)") }
        }
        print(TextTable.render(["phase", "events / examples", "wall", "CPU", "events/CPU-s", "peak RSS (VmHWM)"], rows))
    }

    func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    /// User + system CPU seconds of this process: on a shared machine wall time depends on
    /// the neighbours, CPU time much less.
    func cpu() -> Double {
        var u = rusage()
        getrusage(RUSAGE_SELF.rawValue, &u)
        return Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
    }
    func ms(_ s: Double) -> String { String(format: "%.0f ms", s * 1000) }
    func rate(_ n: Int, _ s: Double) -> String { String(format: "%.2fM", Double(n) / s / 1e6) }

    /// Peak resident memory of this process so far, from /proc/self/status.
    func vmHWM() -> String {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return "?" }
        let kb = Double(line.split(separator: " ").dropFirst().first.flatMap { Double($0) } ?? 0)
        return String(format: "%.0f MiB", kb / 1024)
    }
}
