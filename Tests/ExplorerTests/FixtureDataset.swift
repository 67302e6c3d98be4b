import Explorer
import Timelines

/// A tiny hand-written dataset: four users, wide (CJK), combining-mark and emoji titles,
/// timestamp ties, and one user too short for a cut.
enum FixtureDataset {
    /// `reviews`: every event carries a review text (for the review tab).
    static func make(reviews: Bool = false) -> Dataset {
        let items = [
            Item(rawID: "1", name: "Toy Story (1995)", categories: ["Animation", "Children's", "Comedy"]),
            Item(rawID: "2", name: "千と千尋の神隠し (2001)", categories: ["Animation", "Fantasy"]),
            Item(rawID: "3", name: "Ame\u{301}lie (2001)", categories: ["Comedy", "Romance"]),
            Item(rawID: "4", name: "Heat (1995)", categories: ["Action", "Crime", "Thriller"]),
            Item(rawID: "5", name: "🎬 Cinema Paradiso (1988)", categories: ["Drama"]),
            Item(rawID: "6", name: "Se7en (1995)", categories: ["Crime", "Thriller"]),
            Item(rawID: "7", name: "올드보이 (2003)", categories: ["Drama", "Thriller"]),
            Item(rawID: "8", name: "Fargo (1996)", categories: ["Crime", "Drama", "Thriller"]),
        ]
        let users = [
            User(rawID: "10", attributes: ["age": "31", "gender": "M", "occupation": "technician", "zip_code": "10001"]),
            User(rawID: "2", attributes: ["age": "44", "gender": "F", "occupation": "other", "zip_code": "10002"]),
            User(rawID: "7", attributes: ["age": "31", "gender": "F", "occupation": "writer", "zip_code": "10001"]),
            User(rawID: "30", attributes: ["age": "40", "gender": "M", "occupation": "librarian", "zip_code": "02139"]),
        ]
        let day: Int64 = 86_400
        let t0: Int64 = 880_000_000  // 1997-11-20
        var events: [Event] = []
        // User "10": 7 events, two sharing a timestamp (file order must decide).
        for (k, (item, r)) in [(0, 5), (1, 4), (2, 3), (3, 4), (4, 5), (5, 2), (6, 4)].enumerated() {
            events.append(Event(user: 0, item: Int32(item), rating: Float(r), timestamp: t0 + Int64(k == 3 ? 2 : k) * day))
        }
        // User "2": 12 events, reverse file order (loader order is not time order).
        for k in (0..<12).reversed() {
            events.append(Event(user: 1, item: Int32(k % 8), rating: Float(1 + k % 5), timestamp: t0 + Int64(k) * 3 * day))
        }
        // User "7": 3 events with half-star ratings.
        events.append(Event(user: 2, item: 4, rating: 4.5, timestamp: t0 + 5 * day))
        events.append(Event(user: 2, item: 1, rating: 3.5, timestamp: t0 + 6 * day))
        events.append(Event(user: 2, item: 6, rating: 5, timestamp: t0 + 7 * day))
        // User "30": a single event, too short for a cut.
        events.append(Event(user: 3, item: 7, rating: 3, timestamp: t0 + 9 * day))
        if reviews {
            for i in events.indices { events[i].text = "Review \(i + 1): watched it twice." }
        }
        return Dataset(name: "fixture-movies", domain: .movies, users: users, items: items, events: events, report: LoadReport())
    }
}
