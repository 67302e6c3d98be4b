import Foundation
import XCTest
import Timelines

/// Exact counts on the real files (numbers from each folder's PROVENANCE.md).
final class RealDataLoadTests: XCTestCase {
    func testMovieLens100KRecBole() throws {
        let ds = try Dataset.load(from: TestData.required("movielens-100k"), strict: true)
        XCTAssertEqual(ds.format, .recbole)
        XCTAssertEqual(ds.domain, .movies)
        XCTAssertEqual(ds.users.count, 943)
        XCTAssertEqual(ds.items.count, 1682)
        XCTAssertEqual(ds.events.count, 100_000)
        XCTAssertEqual(ds.report.skipped, 0)
        let toy = try XCTUnwrap(ds.items.first { $0.rawID == "1" })
        XCTAssertEqual(toy.name, "Toy Story (1995)")
        XCTAssertEqual(toy.categories, ["Animation", "Children's", "Comedy"])
        // First data row of ml-100k.inter: 196 242 3 881250949.
        let e = ds.events[0]
        XCTAssertEqual(ds.users[Int(e.user)].rawID, "196")
        XCTAssertEqual(ds.items[Int(e.item)].rawID, "242")
        XCTAssertEqual(e.rating, 3)
        XCTAssertEqual(e.timestamp, 881250949)
        XCTAssertEqual(ds.users[0].attributes["occupation"], "technician")
        XCTAssertEqual(Set(ds.events.compactMap(\.rating)), [1, 2, 3, 4, 5])
        XCTAssertEqual(Set(ds.items.flatMap(\.categories)).count, 19)
    }

    func testMovieLensLatestSmallCSV() throws {
        let ds = try Dataset.load(from: TestData.optional("movielens-latest-small"), strict: true)
        XCTAssertEqual(ds.format, .movielensCSV)
        XCTAssertEqual(ds.users.count, 610)
        XCTAssertEqual(ds.items.count, 9742)
        XCTAssertEqual(ds.events.count, 100_836)
        XCTAssertEqual(Set(ds.events.map(\.item)).count, 9724)
        let prez = try XCTUnwrap(ds.items.first { $0.rawID == "11" })
        XCTAssertEqual(prez.name, "American President, The (1995)")
        XCTAssertEqual(prez.categories, ["Comedy", "Drama", "Romance"])
        XCTAssertEqual(ds.events.map(\.timestamp).min(), 828124615)
        XCTAssertEqual(ds.events.map(\.timestamp).max(), 1537799250)
        XCTAssertEqual(Set(ds.events.compactMap(\.rating)).count, 10)  // 0.5 ... 5.0
        XCTAssertTrue(ds.report.notes.contains { $0.hasPrefix("3683 tag applications") })
    }

    func testAmazonGiftCards2018() throws {
        let ds = try Dataset.load(from: TestData.optional("amazon-gift-cards"), strict: true)
        XCTAssertEqual(ds.format, .amazon)
        XCTAssertEqual(ds.users.count, 458)
        XCTAssertEqual(ds.items.count, 148)
        XCTAssertEqual(ds.events.count, 2972)
        XCTAssertTrue(ds.hasReviewText)
        XCTAssertEqual(ds.events.filter { ($0.text ?? "").isEmpty }.count, 6)
        // Every reviewed asin has a meta record, so every item got a real title.
        XCTAssertFalse(ds.items.contains { $0.name == $0.rawID })
        // The meta file HTML-escapes titles ("Chili&#39;s Grill &amp; Bar"); names are decoded.
        let escaped = ["&amp;", "&#39;", "&quot;", "&#x", "&apos;"]
        XCTAssertFalse(ds.items.contains { item in escaped.contains { item.name.contains($0) } })
        XCTAssertTrue(ds.items.contains { $0.name.contains("Chili's") })
        XCTAssertEqual(ds.events.filter { $0.rating == 5 }.count, 2752)
        XCTAssertEqual(ds.events.map(\.timestamp).min(), 1327968000)
    }

    func testAmazonFashionReviewsOnly() throws {
        let ds = try Dataset.load(from: TestData.optional("amazon-fashion"))
        XCTAssertEqual(ds.format, .amazon)
        // 3,176 lines, 68 exact duplicates dropped (and noted), one null rating kept as nil.
        XCTAssertEqual(ds.events.count, 3108)
        XCTAssertEqual(ds.report.skipped, 0)
        XCTAssertTrue(ds.report.notes.contains { $0.contains("68 exact duplicate") })
        XCTAssertEqual(ds.users.count, 406)
        XCTAssertEqual(ds.items.count, 31)
        XCTAssertEqual(ds.events.filter { $0.rating == nil }.count, 1)
    }

    func testGoogleLocalVermontMetaOnly() throws {
        let ds = try Dataset.load(from: TestData.optional("google-local-vermont"), strict: true)
        XCTAssertEqual(ds.format, .googleLocal)
        XCTAssertEqual(ds.domain, .places)
        XCTAssertEqual(ds.items.count, 11243)   // 11,291 lines, 48 duplicate gmap_ids merged
        XCTAssertEqual(ds.users.count, 0)
        XCTAssertEqual(ds.events.count, 0)
        XCTAssertTrue(ds.report.notes.contains { $0.contains("48 duplicate gmap_id") })
        XCTAssertEqual(ds.items.filter { $0.categories.contains("Restaurant") }.count, 728)  // 729 lines, one duplicated
    }
}
