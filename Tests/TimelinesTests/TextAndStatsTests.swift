import Foundation
import XCTest
import Timelines

final class TextAndStatsTests: XCTestCase {
    func testPromptRenderingIsExact() throws {
        let ds = try Dataset.load(from: TestData.materialized(TestData.fixtures.appendingPathComponent("recbole-bad")))
        let b = ExampleBuilder(dataset: ds, config: ExampleConfig(shuffleTraining: false))
        let ex = try XCTUnwrap(b.examples(.nextItem, .test).first)
        let prompt = PromptRenderer(dataset: ds).render(ex, builder: b)
        // u1: Heat at t=90 then Toy Story at t=100; the test target is Toy Story.
        XCTAssertEqual(prompt, """
            A user's movie history, oldest first:
            - Heat (1995) | Action, Crime, Thriller | rated 5/5 | 1970-01-01
            Question: which movie will this user rate next?
            Answer:

            """)
        XCTAssertEqual(ex.answer, "Toy Story (1995)")
        let fav = PromptRenderer(dataset: ds).render(task: .favoriteGenre, window: [Int32(1)], target: nil)
        XCTAssertTrue(fav.contains("which genre occurs most often"))
    }

    func testAssetsTemplatesMatchDefaults() throws {
        let dir = TestData.packageRoot.appendingPathComponent("Assets/templates")
        XCTAssertEqual(try PromptTemplates.load(from: dir), PromptTemplates.defaults)
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("tpl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        try "* {name} ({date})\n".write(to: tmp.appendingPathComponent("event.txt"), atomically: true, encoding: .utf8)
        let t = try PromptTemplates.load(from: tmp)
        XCTAssertEqual(t.event, "* {name} ({date})\n")
        XCTAssertEqual(t.review, PromptTemplates.defaults.review)
    }

    func testCivilDate() {
        XCTAssertEqual(CivilDate.string(fromUnixSeconds: 881250949), "1997-12-04")
        XCTAssertEqual(CivilDate.string(fromUnixSeconds: 951782400), "2000-02-29")
        XCTAssertEqual(CivilDate.string(fromUnixSeconds: -1), "1969-12-31")
    }

    func testCatalogueSentencesOnMovieLens100K() throws {
        let ds = try Dataset.load(from: TestData.required("movielens-100k"))
        let s = TextCorpus.catalogueSentences(ds)
        XCTAssertEqual(s.count, 1682)
        XCTAssertEqual(s[0], "Toy Story (1995) is an Animation, Children's, Comedy movie.")
        XCTAssertEqual(s[1], "GoldenEye (1995) is an Action, Adventure, Thriller movie.")
    }

    func testStatsOnMovieLens100K() throws {
        let ds = try Dataset.load(from: TestData.required("movielens-100k"))
        let st = DatasetStats(dataset: ds)
        XCTAssertEqual(st.users, 943)
        XCTAssertEqual(st.items, 1682)
        XCTAssertEqual(st.events, 100_000)
        XCTAssertEqual(st.vocabularySizes, ["item": 1684, "genre": 21, "rating": 7])
        XCTAssertEqual(st.timelineLength?.min, 20)
        XCTAssertEqual(st.timelineLength?.max, 737)
        XCTAssertEqual(st.timelineLength?.buckets.map(\.count).reduce(0, +), 943)
        XCTAssertEqual(st.ratings.map(\.count).reduce(0, +), 100_000)
        XCTAssertEqual(st.ratings.first?.value, "1")
        XCTAssertEqual(st.categories.first?.value, "Drama")
        let json = try JSONEncoder().encode(st)
        XCTAssertNoThrow(try JSONDecoder().decode(DatasetStats.self, from: json))
    }

    func testHTMLEntitiesDecodeNamedAndNumeric() {
        XCTAssertEqual(HTMLEntities.decode("Chili&#39;s Grill &amp; Bar"), "Chili's Grill & Bar")
        XCTAssertEqual(HTMLEntities.decode("Caf&eacute; &#x2019;n&#8217; &quot;more&quot;"), "Café \u{2019}n\u{2019} \"more\"")
        // Not entities: kept as written.
        XCTAssertEqual(HTMLEntities.decode("AT&T & Co; &unknown; &#xZZ;"), "AT&T & Co; &unknown; &#xZZ;")
        XCTAssertEqual(HTMLEntities.decode("no ampersand"), "no ampersand")
    }
}
