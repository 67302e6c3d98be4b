import Foundation
import Timelines

/// A minimal reader of the MovieLens-100K RecBole atomic files, used only until the
/// `Timelines` loaders (`Dataset.load`, branch `data`) are merged; then this file goes.
/// It reads the three files the way DESIGN §3 describes and refuses malformed rows
/// with file, line and reason.
enum InterimRecBoleReader {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func load(directory: URL, name: String) throws -> Dataset {
        let inter = try rows(directory.appendingPathComponent("ml-100k.inter"))
        let itemRows = try rows(directory.appendingPathComponent("ml-100k.item"))
        let userRows = (try? rows(directory.appendingPathComponent("ml-100k.user"))) ?? (header: [], rows: [])
        var items: [Item] = []
        var itemIndex: [String: Int32] = [:]
        for (line, f) in itemRows.rows {
            guard f.count >= 2 else { throw Failure(description: "ml-100k.item:\(line): expected 4 fields, found \(f.count)") }
            let year = f.count > 2 ? f[2] : ""
            let name = year.isEmpty ? f[1] : "\(f[1]) (\(year))"
            let cats = f.count > 3 ? f[3].split(separator: " ").map(String.init) : []
            itemIndex[f[0]] = Int32(items.count)
            items.append(Item(rawID: f[0], name: name, categories: cats, attributes: year.isEmpty ? [:] : ["year": year]))
        }
        var users: [User] = []
        var userIndex: [String: Int32] = [:]
        let keys = userRows.header.map { String($0.split(separator: ":").first ?? "") }
        for (_, f) in userRows.rows {
            var attrs: [String: String] = [:]
            for (k, v) in zip(keys.dropFirst(), f.dropFirst()) { attrs[k] = v }
            userIndex[f[0]] = Int32(users.count)
            users.append(User(rawID: f[0], attributes: attrs))
        }
        var events: [Event] = []
        events.reserveCapacity(inter.rows.count)
        for (line, f) in inter.rows {
            guard f.count >= 4, let r = Float(f[2]), let t = Double(f[3]) else {
                throw Failure(description: "ml-100k.inter:\(line): expected user, item, rating, timestamp")
            }
            guard let item = itemIndex[f[1]] else { throw Failure(description: "ml-100k.inter:\(line): unknown item \(f[1])") }
            let user: Int32
            if let u = userIndex[f[0]] { user = u } else {
                user = Int32(users.count)
                userIndex[f[0]] = user
                users.append(User(rawID: f[0]))
            }
            events.append(Event(user: user, item: item, rating: r, timestamp: Int64(t)))
        }
        return Dataset(name: name, domain: .movies, users: users, items: items, events: events, report: LoadReport())
    }

    private static func rows(_ url: URL) throws -> (header: [String], rows: [(Int, [String])]) {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw Failure(description: "\(url.path): cannot read (missing or not UTF-8)")
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        guard let head = lines.first else { throw Failure(description: "\(url.path):1: empty file") }
        let header = head.split(separator: "\t").map(String.init)
        var out: [(Int, [String])] = []
        out.reserveCapacity(lines.count)
        for (i, l) in lines.enumerated().dropFirst() where !l.isEmpty {
            out.append((i + 1, l.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)))
        }
        return (header, out)
    }
}
