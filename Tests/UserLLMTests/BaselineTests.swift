import Foundation
import Tensor
import Timelines
import UserLLM
import XCTest

final class BaselineTests: XCTestCase {
    /// Most-popular recomputed from the raw events: timelines sorted by (timestamp, file
    /// order), popularity over all but each user's last two events, history = every event
    /// before the last, then Recall@K and NDCG@10 by their definitions.
    func testMostPopularMatchesBruteForce() throws {
        let data = try EncoderTestData.movieLens100K()
        let dataset = data.dataset
        var byUser = [[Int]](repeating: [], count: dataset.users.count)
        for (i, e) in dataset.events.enumerated() { byUser[Int(e.user)].append(i) }
        for u in byUser.indices {
            byUser[u].sort { (dataset.events[$0].timestamp, $0) < (dataset.events[$1].timestamp, $1) }
        }
        var popularity = [Int](repeating: 0, count: dataset.items.count)
        for events in byUser { for e in events.dropLast(2) { popularity[Int(dataset.events[e].item)] += 1 } }
        let ranked = popularity.indices.sorted { (-popularity[$0], $0) < (-popularity[$1], $1) }
        var hits = [1: 0.0, 5: 0.0, 10: 0.0], ndcg10 = 0.0, users = 0
        for events in byUser where events.count >= 2 {
            users += 1
            let history = Set(events.dropLast().map { Int(dataset.events[$0].item) })
            let target = Int(dataset.events[events.last!].item)
            let top = ranked.lazy.filter { !history.contains($0) }.prefix(10)
            if let r = Array(top).firstIndex(of: target) {
                for k in [1, 5, 10] where r < k { hits[k]! += 1 }
                ndcg10 += 1 / log2(Double(r) + 2)
            }
        }
        let metrics = BaselineResults.evaluate(builder: data.builder).mostPopular
        XCTAssertEqual(metrics.users, users)
        XCTAssertEqual(users, 943)
        for k in [1, 5, 10] { XCTAssertEqual(metrics.recall(at: k), hits[k]! / Double(users), accuracy: 1e-12) }
        XCTAssertEqual(metrics.ndcg(at: 10), ndcg10 / Double(users), accuracy: 1e-12)
        XCTAssertGreaterThan(metrics.recall(at: 10), 0.01, "most-popular finds some test items on ML-100K")
        XCTAssertEqual(MostPopular(builder: data.builder).popularity, popularity)
    }

    /// Neither baseline ever recommends an item the user rated before the target; the
    /// encoder's ranking equals a full sort of its masked scores.
    func testMaskingNeverRecommendsRatedItems() throws {
        let data = try EncoderTestData.movieLens100K()
        let vocab = data.features.vocabularies
        let recommender = EncoderRecommender(encoder: UserEncoder(config: .tiny, vocabularies: vocab, seed: 7),
                                             heads: EncoderHeads(config: .tiny, vocabularies: vocab, seed: 8),
                                             features: data.features)
        let popular = MostPopular(builder: data.builder)
        let examples = Array(data.builder.examples(.nextItem, .test).prefix(40))
        let k = 50
        let lists = recommender.recommend(examples, builder: data.builder, k: k)
        let scores = recommender.scores(examples, builder: data.builder)
        let v = scores.shape[1]
        for (b, ex) in examples.enumerated() {
            let history = data.builder.itemsRatedBefore(ex)
            XCTAssertGreaterThan(history.count, 10)
            XCTAssertEqual(lists[b].count, k)
            XCTAssertTrue(history.isDisjoint(with: lists[b]), "encoder recommended a rated item")
            XCTAssertTrue(history.isDisjoint(with: popular.recommend(excluding: history, k: k)), "most-popular did")
            XCTAssertEqual(Set(lists[b]).count, k)
            let reference = (0..<Int32(data.dataset.items.count)).filter { !history.contains($0) }
                .sorted { a, c in
                    let sa = scores.pointer[b * v + Int(data.features.itemIDs[Int(a)])]
                    let sc = scores.pointer[b * v + Int(data.features.itemIDs[Int(c)])]
                    return sa != sc ? sa > sc : a < c
                }
            XCTAssertEqual(lists[b], Array(reference.prefix(k)))
        }
    }
}
