import ArgumentParser
import Foundation
import Timelines

/// `userllm data export --dataset NAME [--data-dir DIR] --format recbole --out DIR [--force]`
struct DataExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a dataset and our exact leave-last-out split as RecBole atomic files (+ split.json).",
        discussion: """
        Files: <out>/<name>.inter (timestamps made strictly increasing per user in our timeline order, so \
        RecBole's sort by time reproduces our order and targets), <name>.item, <name>.user (<name> is the \
        folder's name, as RecBole expects), split.json (each user's validation and test item) and \
        recbole.yaml (the RecBole settings of our protocol). Refuses a non-empty folder unless --force.
        """
    )

    @Option(help: "Dataset name; read from $USERLLM_HOME/datasets/<name> unless --data-dir is given.")
    var dataset: String = "movielens"

    @Option(help: "Read the dataset from this folder (any supported format).")
    var dataDir: String?

    @Option(help: "Output format: recbole.")
    var format: String = "recbole"

    @Option(help: "The folder to write (created; must be empty unless --force).")
    var out: String

    @Flag(help: "Overwrite the export's files in a non-empty folder.")
    var force = false

    @Flag(help: "Print the summary as JSON.")
    var json = false

    func run() throws {
        guard format == "recbole" else { throw ValidationError("unknown export format '\(format)': recbole") }
        do {
            let ds = try Dataset.load(named: dataset, dataDir: dataDir.map { URL(fileURLWithPath: $0) })
            let s = try RecBoleExport.write(ds, to: URL(fileURLWithPath: out), force: force)
            if json {
                let fields: [String: Any] = ["directory": s.directory.path, "files": s.files, "users": s.users,
                                             "items": s.items, "events": s.events, "shiftedEvents": s.shiftedEvents]
                let data = try JSONSerialization.data(withJSONObject: fields, options: [.prettyPrinted, .sortedKeys])
                print(String(decoding: data, as: UTF8.self))
                return
            }
            print("\(ds.name) → \(s.directory.path)")
            print(TextTable.render(["", "count"], [
                ["users", TextTable.n(s.users)], ["items", TextTable.n(s.items)], ["events", TextTable.n(s.events)],
                ["timestamps moved to break ties", TextTable.n(s.shiftedEvents)],
            ]))
            print("files: \(s.files.joined(separator: ", "))")
            print("split: \(LeaveLastOutSplit.tieRule)")
        } catch let e as DatasetError {
            FileHandle.standardError.write(Data("error: \(e)\n".utf8))
            throw ExitCode(1)
        } catch let e as ExportError {
            FileHandle.standardError.write(Data("error: \(e)\n".utf8))
            throw ExitCode(1)
        }
    }
}
