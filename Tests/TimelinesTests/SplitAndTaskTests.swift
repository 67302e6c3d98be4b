import Foundation
import XCTest
import Timelines

/// Split and task invariants on real MovieLens-100K (and Amazon Gift Cards for reviews).
final class SplitAndTaskTests: XCTestCase {
    static let ml100k: Dataset = try! Dataset.load(from: TestData.root.appendingPathComponent("movielens-100k"))

    func testTimelinesSortedStableAndComplete() throws {
        _ = try TestData.required("movielens-100k")
        let ds = Self.ml100k
        let tl = Timelines(dataset: ds)
        XCTAssertEqual(tl.count, 943)
        XCTAssertEqual(tl.all.map(\.count).reduce(0, +), 100_000)
        XCTAssertEqual(Set(tl.all.flatMap(\.events)).count, 100_000)
        for t in tl.all {
            for (a, b) in zip(t.events, t.events.dropFirst()) {
                let ea = ds.events[Int(a)], eb = ds.events[Int(b)]
                XCTAssertEqual(ea.user, t.user)
                XCTAssertTrue(ea.timestamp < eb.timestamp || (ea.timestamp == eb.timestamp && a < b), "unstable order")
            }
        }
        XCTAssertEqual(tl.timeline(rawUserID: "196")?.user, 0 + Int32(ds.users.firstIndex { $0.rawID == "196" }!))
        XCTAssertNil(tl.timeline(rawUserID: "no-such-user"))
    }

    func testLeaveLastOutTargetsAndNoLeaks() throws {
        _ = try TestData.required("movielens-100k")
        let ds = Self.ml100k
        let b = ExampleBuilder(dataset: ds, config: ExampleConfig(windowLength: 50, seed: 7))
        let test = b.examples(.nextItem, .test)
        XCTAssertEqual(test.count, 943)
        for ex in test {
            let events = b.timelines[ex.user].events
            // The test target is the user's last event, and it is latest in time.
            XCTAssertEqual(Int(ex.target), events.count - 1)
            let target = ds.events[Int(b.targetEvent(ex))]
            XCTAssertEqual(target.timestamp, events.map { ds.events[Int($0)].timestamp }.max())
            XCTAssertEqual(ex.answer, ds.items[Int(target.item)].name)
            XCTAssertEqual(b.itemsRatedBefore(ex).count, Set(events.dropLast().map { ds.events[Int($0)].item }).count)
        }
        XCTAssertEqual(b.examples(.nextItem, .validation).count, 943)
        let train = b.examples(.nextItem, .train)
        // One example per training event except each user's first: 100000 - 3*943.
        XCTAssertEqual(train.count, 100_000 - 3 * 943)
        var bad = 0
        for ex in train {
            if ex.window.count > 50 || ex.window.isEmpty || Int(ex.target) >= b.split.trainingCount(ex.user) { bad += 1 }
            let t = ds.events[Int(b.targetEvent(ex))]
            // No window event is later than its target, and none is the target itself.
            if b.windowEvents(ex).contains(where: { ds.events[Int($0)].timestamp > t.timestamp || $0 == b.targetEvent(ex) }) { bad += 1 }
        }
        XCTAssertEqual(bad, 0)
        XCTAssertEqual(train.filter { $0.window.count == 50 }.count, train.filter { $0.target >= 50 }.count)
        // Deterministic for a seed, different for another.
        XCTAssertEqual(train, b.examples(.nextItem, .train))
        let other = ExampleBuilder(dataset: ds, timelines: b.timelines, config: ExampleConfig(seed: 8)).examples(.nextItem, .train)
        XCTAssertNotEqual(train, other)
        XCTAssertEqual(Set(train), Set(other))
        XCTAssertFalse(b.supports(.review))
        XCTAssertTrue(b.examples(.review, .train).isEmpty)
    }

    func testFavoriteGenreAgreesWithBruteForce() throws {
        _ = try TestData.required("movielens-100k")
        let ds = Self.ml100k
        let b = ExampleBuilder(dataset: ds)
        let examples = b.examples(.favoriteGenre, .test) + b.examples(.favoriteGenre, .train).prefix(5000)
        XCTAssertEqual(examples.count, 943 + 5000)
        for ex in examples {
            let window = Array(b.windowEvents(ex))
            let genreLists = window.map { ds.items[Int(ds.events[Int($0)].item)].categories }
            let all = Set(genreLists.flatMap { $0 })
            let counts = all.map { g in (g, genreLists.filter { $0.contains(g) }.count) }
            let best = counts.map(\.1).max()!
            let tied = Set(counts.filter { $0.1 == best }.map(\.0))
            // Most recent: walk back from the newest event; first listed tied genre wins.
            var expected: String?
            for list in genreLists.reversed() {
                if let g = list.first(where: tied.contains) { expected = g; break }
            }
            XCTAssertEqual(ex.answer, expected)
        }
    }

    func testPopularityCountsTrainingOnly() throws {
        _ = try TestData.required("movielens-100k")
        let b = ExampleBuilder(dataset: Self.ml100k)
        let pop = b.trainingItemPopularity()
        XCTAssertEqual(pop.count, 1682)
        XCTAssertEqual(pop.reduce(0, +), 100_000 - 2 * 943)
    }

    func testReviewTaskOnGiftCards() throws {
        let ds = try Dataset.load(from: TestData.optional("amazon-gift-cards"))
        let b = ExampleBuilder(dataset: ds)
        XCTAssertTrue(b.supports(.review))
        let test = b.examples(.review, .test)
        for ex in test {
            XCTAssertEqual(ex.answer, ds.events[Int(b.targetEvent(ex))].text)
            XCTAssertFalse(ex.answer.isEmpty)
        }
        XCTAssertGreaterThan(test.count, 440)
        XCTAssertLessThanOrEqual(test.count, 458)
        let corpus = b.trainingReviewTexts()
        XCTAssertEqual(corpus.count, ds.events.filter { !($0.text ?? "").isEmpty }.count - test.count
                       - b.examples(.review, .validation).count)
    }

    func testVocabulariesStableAndRoundTrip() throws {
        _ = try TestData.required("movielens-100k")
        let ds = Self.ml100k
        let v = FeatureVocabularies(dataset: ds)
        XCTAssertEqual(v.item.count, 1682 + 2)
        XCTAssertEqual(v.category.count, 19 + 2)
        XCTAssertEqual(v.category.feature, "genre")
        XCTAssertEqual(v.rating.tokens, ["<pad>", "<unk>", "1", "2", "3", "4", "5"])
        XCTAssertEqual(v.item.id(ds.items[0].rawID), 2)
        XCTAssertEqual(v.item.id("nope"), Vocabulary.unk)
        XCTAssertEqual(v, FeatureVocabularies(dataset: ds))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vocab-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try v.save(to: dir)
        let back = try FeatureVocabularies.load(from: dir, domain: .movies)
        XCTAssertEqual(back, v)
        XCTAssertEqual(back.item.id(ds.items[100].rawID), 102)
        let bad = dir.appendingPathComponent("bad.json")
        try Data(#"{"feature":"x","tokens":["a","b"]}"#.utf8).write(to: bad)
        XCTAssertThrowsError(try Vocabulary.load(from: bad))
    }
}
