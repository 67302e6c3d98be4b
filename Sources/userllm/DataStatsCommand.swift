import ArgumentParser
import Foundation
import Timelines

/// `userllm data stats --dataset NAME [--data-dir DIR] [--json] [--strict]`
struct DataStatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Users, items, events, vocabularies, timeline lengths, histograms and skipped lines of a dataset.",
        discussion: DatasetLocation.helpLine
    )

    @Option(help: "Dataset name; read from $USERLLM_HOME/datasets/<name> unless --data-dir is given.")
    var dataset: String = "movielens"

    @Option(help: "Read the dataset from this folder (any supported format).")
    var dataDir: String?

    @Option(help: "Force a format: \(DatasetFormat.allCases.map(\.rawValue).joined(separator: ", ")) (default: detect).")
    var format: String?

    @Flag(help: "Stop at the first malformed line instead of skipping it.")
    var strict = false

    @Flag(help: "Print JSON for scripts.")
    var json = false

    func run() throws {
        var forced: DatasetFormat?
        if let f = format {
            guard let v = DatasetFormat(rawValue: f) else { throw ValidationError("unknown format '\(f)'") }
            forced = v
        }
        let ds: Dataset
        do {
            ds = try Dataset.load(named: dataset, dataDir: dataDir.map { URL(fileURLWithPath: $0) }, format: forced, strict: strict)
        } catch let e as DatasetError {
            FileHandle.standardError.write(Data("error: \(e)\n".utf8))
            throw ExitCode(1)
        }
        let st = DatasetStats(dataset: ds)
        if json {
            let enc = JSONEncoder()
            enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try enc.encode(st), as: UTF8.self))
            return
        }
        print(Self.render(st))
    }

    static func render(_ st: DatasetStats) -> String {
        let n = TextTable.n
        var out: [String] = []
        out.append("\(st.name)  (format \(st.format ?? "-"), domain \(st.domain))\n")
        out.append(TextTable.render(["", "count"], [
            ["users", n(st.users)], ["items", n(st.items)], ["items with events", n(st.itemsWithEvents)],
            ["events", n(st.events)], ["events with review text", n(st.eventsWithText)],
            ["first event", st.firstEvent ?? "-"], ["last event", st.lastEvent ?? "-"],
            ["skipped lines", n(st.skipped)],
        ]))
        out.append("\nVocabularies (including PAD and UNK)\n" + TextTable.render(["feature", "size"],
            st.vocabularySizes.sorted { $0.key < $1.key }.map { [$0.key, n($0.value)] }))
        if let d = st.timelineLength {
            out.append("\nTimeline length (events per user): min \(d.min), p10 \(d.p10), median \(d.median), p90 \(d.p90), max \(d.max), mean \(String(format: "%.1f", d.mean))")
            let most = d.buckets.map(\.count).max() ?? 1
            out.append(TextTable.render(["events", "users", ""], d.buckets.map {
                ["\($0.from)-\($0.to)", n($0.count), String(repeating: "#", count: max(1, $0.count * 40 / most))]
            }))
        }
        if !st.ratings.isEmpty {
            let most = st.ratings.map(\.count).max() ?? 1
            out.append("\nRatings\n" + TextTable.render(["rating", "events", ""], st.ratings.map {
                [$0.value, n($0.count), String(repeating: "#", count: max(1, $0.count * 40 / most))]
            }))
        }
        if !st.categories.isEmpty {
            out.append("\n\(st.domain == "movies" ? "Genres" : "Categories") by events (\(st.distinctCategories) distinct; top \(st.categories.count))\n"
                + TextTable.render(["value", "events"], st.categories.map { [$0.value, n($0.count)] }))
        }
        if !st.notes.isEmpty { out.append("\nNotes\n" + st.notes.map { "  " + $0 }.joined(separator: "\n")) }
        if st.skipped > 0 {
            out.append("\nSkipped \(n(st.skipped)) malformed lines; the first \(st.issues.count):\n"
                + st.issues.prefix(20).map { "  " + $0 }.joined(separator: "\n"))
        }
        return out.joined(separator: "\n")
    }
}
