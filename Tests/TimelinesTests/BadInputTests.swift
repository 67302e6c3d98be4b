import Foundation
import XCTest
import Timelines

/// Malformed input: lenient loads skip and report file, line and reason; strict stops.
final class BadInputTests: XCTestCase {
    func fixture(_ name: String) -> URL {
        let folder = TestData.fixtures.appendingPathComponent(name)
        return (try? TestData.materialized(folder)) ?? folder
    }

    func reasons(_ ds: Dataset) -> [String] { ds.report.issues.map(\.description) }

    func testMovieLensCSV() throws {
        let ds = try Dataset.load(from: fixture("ml-csv-bad"))
        XCTAssertEqual(ds.format, .movielensCSV)
        XCTAssertEqual(ds.items.map(\.name), ["Paper Lanterns (1995)", "Harbour Lights, The (1995)", "Quote \"Inside\" Title (2000)"])
        XCTAssertEqual(ds.items[2].categories, [])
        XCTAssertEqual(ds.items[0].attributes["tags"], "pixar, animation")
        XCTAssertEqual(ds.events.count, 5)
        XCTAssertEqual(ds.events.last?.rating, 2.0)   // the final line has no newline
        XCTAssertEqual(ds.users.map(\.rawID), ["1", "2", "3"])
        let r = reasons(ds)
        XCTAssertEqual(ds.report.skipped, 8, "\(r)")
        XCTAssertTrue(r.contains("movies.csv:5: movieId 'x7' is not an integer"), "\(r)")
        XCTAssertTrue(r.contains("movies.csv:6: expected 3 fields (movieId, title, genres), found 4"), "\(r)")
        XCTAssertTrue(r.contains("ratings.csv:4: expected 4 fields (user, movie, rating, timestamp), found 3"), "\(r)")
        XCTAssertTrue(r.contains("ratings.csv:5: rating 'four' is not a number"), "\(r)")
        XCTAssertTrue(r.contains("ratings.csv:6: unknown movie '99' (not in the movie list)"), "\(r)")
        XCTAssertTrue(r.contains("ratings.csv:8: user ID is not valid UTF-8"), "\(r)")
        XCTAssertTrue(r.contains("ratings.csv:9: timestamp '90001x000' is not an integer"), "\(r)")
        XCTAssertTrue(r.contains("tags.csv:3: unknown movie '404'"), "\(r)")
        XCTAssertThrowsError(try Dataset.load(from: fixture("ml-csv-bad"), strict: true)) { error in
            guard case DatasetError.malformed(let issue) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(issue.file, "movies.csv")
            XCTAssertEqual(issue.line, 5)
        }
    }

    func testRecBole() throws {
        let ds = try Dataset.load(from: fixture("recbole-bad"))
        XCTAssertEqual(ds.events.count, 3)
        XCTAssertEqual(ds.items.map(\.name), ["Toy Story (1995)", "Heat (1995)"])
        XCTAssertEqual(reasons(ds), [
            "tiny.inter:4: expected 4 fields, found 2",
            "tiny.inter:5: rating 'x' is not a number",
            "tiny.inter:6: unknown item_id 'i9' (not in the .item file)",
        ])
        XCTAssertEqual(ds.events.last?.timestamp, 100)   // "100.0" is an integral float timestamp
    }

    func testMovieLens1MLatin1() throws {
        let ds = try Dataset.load(from: fixture("ml-1m-bad"))
        XCTAssertEqual(ds.format, .movielens1m)
        XCTAssertEqual(ds.items.map(\.name), ["Paper Lanterns (1995)", "Misérables, Les (1995)"])
        XCTAssertEqual(ds.users.first?.attributes["gender"], "F")
        XCTAssertEqual(reasons(ds), [
            "movies.dat:3: not Latin-1 text (control bytes)",
            "ratings.dat:3: unknown movie '3' (not in the movie list)",
            "ratings.dat:4: expected 4 fields (user, movie, rating, timestamp), found 2",
        ])
        XCTAssertEqual(ds.events.count, 2)
    }

    func testMovieLens100KGroupLens() throws {
        let ds = try Dataset.load(from: fixture("ml-100k-bad"))
        XCTAssertEqual(ds.format, .movielens100k)
        XCTAssertEqual(ds.items.first?.categories, ["Animation", "Children's", "Comedy"])
        XCTAssertEqual(ds.items.count, 2)
        XCTAssertEqual(ds.events.count, 3)
        XCTAssertEqual(ds.users.count, 2)
        XCTAssertEqual(ds.users[1].attributes["occupation"], "other")
        XCTAssertEqual(reasons(ds), ["u.item:3: genre flag Action is not 0 or 1", "u.data:4: unknown movie '3' (not in the movie list)"])
    }

    func testAmazonBadJSONAndMeta() throws {
        let ds = try Dataset.load(from: fixture("amazon-bad"))
        XCTAssertEqual(ds.format, .amazon)
        XCTAssertEqual(reasons(ds), ["Tiny_5.json.gz:3: not a JSON object"])
        XCTAssertEqual(ds.events.count, 3)
        XCTAssertNil(ds.events[2].rating)
        XCTAssertEqual(ds.items.map(\.name), ["Gift Card One", "Old Format Card"])
        XCTAssertEqual(ds.items[0].categories, ["Gift Cards"])          // de-duplicated, HTML dropped
        XCTAssertEqual(ds.items[0].attributes["price"], "$1,250.00")
        XCTAssertEqual(ds.items[1].categories, ["Gift Cards", "Restaurants"])  // 2014 Python literal
        XCTAssertThrowsError(try Dataset.load(from: fixture("amazon-bad"), strict: true))
    }

    func testTruncatedGzip() throws {
        let ds = try Dataset.load(from: fixture("amazon-truncated"))
        let truncation = ds.report.issues.filter { $0.reason.contains("gzip data ends early") }
        XCTAssertEqual(truncation.count, 1, "\(reasons(ds))")
        XCTAssertEqual(truncation.first?.file, "Tiny_5.json.gz")
        XCTAssertGreaterThan(truncation.first?.line ?? 0, 1)
        XCTAssertFalse(ds.events.isEmpty)   // the lines before the cut are kept
    }

    func testGoogleLocal() throws {
        let ds = try Dataset.load(from: fixture("google-bad"))
        XCTAssertEqual(ds.format, .googleLocal)
        XCTAssertEqual(ds.items.count, 2)
        XCTAssertTrue(ds.report.notes.contains("meta-Tiny.json: 1 duplicate gmap_id lines merged"))
        XCTAssertEqual(reasons(ds), ["review-Tiny.json:3: unknown gmap_id '0x9:0x9' (not in the meta file)",
                                     "review-Tiny.json:4: not a JSON object"])
        XCTAssertEqual(ds.events.map(\.timestamp), [1_600_000_000, 1_500_000_000])
        let tl = Timelines(dataset: ds)
        XCTAssertEqual(tl[0].events, [1, 0])
    }

    func testForcedFormatAndUnknownFolder() throws {
        XCTAssertThrowsError(try Dataset.load(from: fixture("ml-csv-bad"), format: .recbole)) { error in
            XCTAssertTrue("\(error)".contains("missing *.inter"), "\(error)")
        }
        XCTAssertThrowsError(try Dataset.load(from: TestData.fixtures)) { error in
            XCTAssertTrue("\(error)".contains("no known dataset files"), "\(error)")
        }
        XCTAssertThrowsError(try Dataset.load(from: fixture("does-not-exist")))
    }
}

final class CorruptGzipTests: XCTestCase {
    func testCorruptGzipIsReportedNotLooped() throws {
        let dir = try TestData.materialized(TestData.fixtures.appendingPathComponent("amazon-corrupt"))
        // The corruption comes before the first line ends, so not one event is left: an
        // error even when lenient (issue 15: nothing loads as zero events silently).
        XCTAssertThrowsError(try Dataset.load(from: dir)) { error in
            guard case DatasetError.noEvents(_, let skipped, let first) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(skipped, 1)
            XCTAssertTrue(first?.reason.contains("corrupt gzip") ?? false, "\(error)")
        }
        XCTAssertThrowsError(try Dataset.load(from: dir, strict: true))
    }
}
