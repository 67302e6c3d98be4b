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
        guard let bytes = FileManager.default.contents(atPath: url.path) else {
            throw Failure(description: "\(url.path): cannot read")
        }
        var header: [String] = []
        var out: [(Int, [String])] = []
        var lineNo = 0
        // Split on bytes: String-level splitting of a 2 MB file is several times slower.
        for line in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNo += 1
            if line.isEmpty { continue }
            var fields: [String] = []
            for f in line.split(separator: UInt8(ascii: "\t"), omittingEmptySubsequences: false) {
                // Invalid UTF-8 becomes U+FFFD rather than failing the whole load.
                let s = String(decoding: f, as: UTF8.self)
                fields.append(s.hasSuffix("\r") ? String(s.dropLast()) : s)
            }
            if lineNo == 1 { header = fields } else { out.append((lineNo, fields)) }
        }
        guard !header.isEmpty else { throw Failure(description: "\(url.path):1: empty file") }
        return (header, out)
    }
}
