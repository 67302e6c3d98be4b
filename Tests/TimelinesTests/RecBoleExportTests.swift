import Foundation
import XCTest
import Timelines

final class RecBoleExportTests: XCTestCase {
    private func tempDir(_ name: String) -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("userllm-export-\(UUID().uuidString)")
            .appendingPathComponent(name)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir.deletingLastPathComponent()) }
        return dir
    }

    /// Per user, the (item, rating) sequence in timeline order, by raw IDs.
    private func sequences(_ ds: Dataset) -> [String: [String]] {
        let timelines = Timelines(dataset: ds)
        var out: [String: [String]] = [:]
        for t in timelines.all {
            out[ds.users[Int(t.user)].rawID] = t.events.map {
                let e = ds.events[Int($0)]
                return "\(ds.items[Int(e.item)].rawID)|\(e.rating.map { "\($0)" } ?? "-")"
            }
        }
        return out
    }

    private func assertRoundTrip(_ original: Dataset, _ dir: URL, file: StaticString = #filePath, line: UInt = #line) throws {
        let summary = try RecBoleExport.write(original, to: dir)
        XCTAssertEqual(summary.events, original.events.count, file: file, line: line)
        let back = try Dataset.load(from: dir, strict: true)
        XCTAssertEqual(back.format, .recbole, file: file, line: line)
        XCTAssertEqual(back.users.map(\.rawID), original.users.map(\.rawID), file: file, line: line)
        XCTAssertEqual(back.items.map(\.rawID), original.items.map(\.rawID), file: file, line: line)
        XCTAssertEqual(back.items.map(\.name), original.items.map(\.name), file: file, line: line)
        XCTAssertEqual(back.items.map(\.categories), original.items.map { $0.categories.map { $0.replacingOccurrences(of: " ", with: "_") } },
                       file: file, line: line)
        XCTAssertEqual(back.users.map(\.attributes), original.users.map(\.attributes), file: file, line: line)
        XCTAssertEqual(sequences(back), sequences(original), file: file, line: line)

        // The same split: the manifest of the export equals the split of the re-read data.
        let manifest = try JSONDecoder().decode(SplitManifest.self, from: Data(contentsOf: dir.appendingPathComponent("split.json")))
        let reread = SplitManifest(dataset: back, timelines: Timelines(dataset: back),
                                   timestampRule: RecBoleExport.timestampRule, shiftedEvents: 0)
        XCTAssertEqual(manifest.users, reread.users, file: file, line: line)
        XCTAssertEqual(manifest.dataset, original.name, file: file, line: line)
        XCTAssertEqual(manifest.shiftedEvents, summary.shiftedEvents, file: file, line: line)

        // Timestamps strictly increase within each user's rows, which come in timeline order.
        let stem = dir.lastPathComponent
        let rows = try String(contentsOf: dir.appendingPathComponent("\(stem).inter"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
        var last: [Substring: Int64] = [:]
        for r in rows {
            let t = Int64(r.last!)!
            if let p = last[r[0]] { XCTAssertGreaterThan(t, p, "user \(r[0])", file: file, line: line) }
            last[r[0]] = t
        }
    }

    /// Ties keep file order through the export, even where a later-listed tied event would
    /// sort first by item ID; categories with spaces, tabs in names survive as documented.
    func testRoundTripOfTiesAndAwkwardFields() throws {
        let users = [User(rawID: "u1", attributes: ["age": "30"]), User(rawID: "u2", attributes: [:])]
        let items = [Item(rawID: "9", name: "Nine\tTabs", categories: ["Sci Fi", "Drama"]),
                     Item(rawID: "1", name: "One (1999)", categories: []),
                     Item(rawID: "5", name: "Five", categories: ["Drama"], attributes: ["brand": "X", "year": "1999"])]
        let events = [
            Event(user: 0, item: 0, rating: 4, timestamp: 100),
            Event(user: 0, item: 1, rating: 3.5, timestamp: 100),  // tie: file order says 9 before 1
            Event(user: 0, item: 2, rating: 5, timestamp: 101),    // pushed to 102 by the tie
            Event(user: 1, item: 2, rating: 1, timestamp: 50),
            Event(user: 1, item: 0, rating: 2, timestamp: 40),
        ]
        let ds = Dataset(name: "tiny", domain: .movies, users: users, items: items, events: events, report: LoadReport())
        let dir = tempDir("tiny")
        let summary = try RecBoleExport.write(ds, to: dir)
        XCTAssertEqual(summary.shiftedEvents, 2)
        let back = try Dataset.load(from: dir, strict: true)
        XCTAssertEqual(back.items[0].name, "Nine Tabs")
        XCTAssertEqual(back.items[0].categories, ["Sci_Fi", "Drama"])
        XCTAssertEqual(back.items[2].attributes, ["brand": "X"])
        XCTAssertEqual(sequences(back)["u1"], ["9|4.0", "1|3.5", "5|5.0"])
        XCTAssertEqual(sequences(back)["u2"], ["9|2.0", "5|1.0"])
        let manifest = try JSONDecoder().decode(SplitManifest.self, from: Data(contentsOf: dir.appendingPathComponent("split.json")))
        XCTAssertEqual(manifest.users.map(\.test), ["5", "5"])
        XCTAssertEqual(manifest.users.map(\.validation), ["1", nil])
    }

    /// A folder with files is refused unless forced; forced, the export's files are replaced.
    func testRefusesNonEmptyFolderWithoutForce() throws {
        let ds = Dataset(name: "t", domain: .movies, users: [User(rawID: "a")], items: [Item(rawID: "1", name: "x")],
                         events: [Event(user: 0, item: 0, rating: 1, timestamp: 1)], report: LoadReport())
        let dir = tempDir("t")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Data("keep".utf8).write(to: dir.appendingPathComponent("notes.txt"))
        XCTAssertThrowsError(try RecBoleExport.write(ds, to: dir)) { error in
            XCTAssertTrue("\(error)".contains("not empty") && "\(error)".contains("--force"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("t.inter").path))
        _ = try RecBoleExport.write(ds, to: dir, force: true)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("t.inter").path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("notes.txt").path))
    }

    /// MovieLens-100K: the export reads back to the same users, items, timelines and split.
    func testMovieLens100KRoundTripIsExact() throws {
        let original = try Dataset.load(from: TestData.required("movielens-100k"), strict: true)
        let dir = tempDir("ml-100k-userllm")
        try assertRoundTrip(original, dir)
        let manifest = try JSONDecoder().decode(SplitManifest.self, from: Data(contentsOf: dir.appendingPathComponent("split.json")))
        XCTAssertEqual(manifest.users.count, 943)
        XCTAssertEqual(manifest.users.filter { $0.test != nil }.count, 943)
        XCTAssertGreaterThan(manifest.shiftedEvents, 0)  // ML-100K has ties
    }
}
