import AtomicIO
import Foundation

/// Writes a dataset and our leave-last-out split as RecBole atomic files, so RecBole (or
/// anyone) reproduces our train / validation / test targets exactly:
///
///   <out>/<stem>.inter   user_id:token item_id:token [rating:float] timestamp:float
///   <out>/<stem>.item    item_id:token movie_title:token_seq class:token_seq [attributes:token]
///   <out>/<stem>.user    user_id:token [attributes:token]
///   <out>/split.json     `SplitManifest`: each user's validation and test item
///   <out>/recbole.yaml   the RecBole settings of our protocol (leave-last-out, full ranking)
///
/// `<stem>` is the folder's name (RecBole reads `<data_path>/<dataset>/<dataset>.inter`).
///
/// Timestamps: our timelines break ties by file order; RecBole sorts by time with an
/// unstable sort, so tied events could land in any order and change the targets. Each
/// user's timestamps are therefore made strictly increasing in our order,
/// t'ᵢ = max(tᵢ, t'ᵢ₋₁ + 1) — a tie moves by seconds, untied events keep their time — and
/// rows are written user by user in timeline order.
///
/// Round trip (`Dataset.load` of the folder): the same users and items in the same index
/// order, the same timelines (item, rating per position) and so the same split. Not kept:
/// review text and summaries (RecBole's sequential models do not read them); item
/// attributes named like the columns the loader interprets (year, title, class, …); spaces
/// inside one category become '_' (token_seq separates on spaces).
public enum RecBoleExport {
    public struct Summary: Sendable {
        public var directory: URL
        public var files: [String]
        public var users: Int
        public var items: Int
        public var events: Int
        public var shiftedEvents: Int
    }

    public static let timestampRule = "per user, in timeline order, t' = max(t, previous t' + 1) (ties move by seconds)"

    /// Item attributes the RecBole loader would read as something else (or duplicate).
    static let reservedItemColumns: Set<String> = [
        "item_id", "movie_title", "title", "name", "release_year", "year", "class", "genre", "genres", "categories", "category",
    ]

    public static func write(_ dataset: Dataset, timelines: Timelines? = nil, to directory: URL, force: Bool = false) throws -> Summary {
        let fm = FileManager.default
        let path = directory.path
        if fm.fileExists(atPath: path) {
            let present = ((try? fm.contentsOfDirectory(atPath: path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
            if !present.isEmpty && !force { throw ExportError.notEmpty(path: path, found: present) }
        } else {
            do { try fm.createDirectory(at: directory, withIntermediateDirectories: true) } catch {
                throw ExportError.unwritable(path: path, reason: error.localizedDescription)
            }
        }
        let timelines = timelines ?? Timelines(dataset: dataset)
        let stem = directory.standardizedFileURL.lastPathComponent
        let hasRating = dataset.events.contains { $0.rating != nil }

        // .inter
        var inter = "user_id:token\titem_id:token" + (hasRating ? "\trating:float" : "") + "\ttimestamp:float\n"
        var shifted = 0, written = 0
        for timeline in timelines.all {
            var previous = Int64.min
            let user = clean(dataset.users[Int(timeline.user)].rawID)
            for e in timeline.events {
                let event = dataset.events[Int(e)]
                let t = previous == .min ? event.timestamp : max(event.timestamp, previous + 1)
                if t != event.timestamp { shifted += 1 }
                previous = t
                inter += user + "\t" + clean(dataset.items[Int(event.item)].rawID)
                if hasRating { inter += "\t" + (event.rating.map(number) ?? "") }
                inter += "\t\(t)\n"
                written += 1
            }
        }

        // .item
        let itemKeys = Set(dataset.items.flatMap(\.attributes.keys)).subtracting(reservedItemColumns).sorted()
        var item = (["item_id:token", "movie_title:token_seq", "class:token_seq"] + itemKeys.map { "\($0):token" })
            .joined(separator: "\t") + "\n"
        for it in dataset.items {
            let categories = it.categories.map { clean($0).replacingOccurrences(of: " ", with: "_") }.joined(separator: " ")
            item += ([clean(it.rawID), clean(it.name), categories] + itemKeys.map { clean(it.attributes[$0] ?? "") })
                .joined(separator: "\t") + "\n"
        }

        // .user
        let userKeys = Set(dataset.users.flatMap(\.attributes.keys)).subtracting(["user_id"]).sorted()
        var user = (["user_id:token"] + userKeys.map { "\($0):token" }).joined(separator: "\t") + "\n"
        for u in dataset.users {
            user += ([clean(u.rawID)] + userKeys.map { clean(u.attributes[$0] ?? "") }).joined(separator: "\t") + "\n"
        }

        let manifest = SplitManifest(dataset: dataset, timelines: timelines, timestampRule: timestampRule, shiftedEvents: shifted)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let files: [(String, Data)] = [
            ("\(stem).inter", Data(inter.utf8)), ("\(stem).item", Data(item.utf8)), ("\(stem).user", Data(user.utf8)),
            ("split.json", try encoder.encode(manifest)),
            ("recbole.yaml", Data(recboleConfig(hasRating: hasRating).utf8)),
        ]
        for (name, data) in files {
            let url = directory.appendingPathComponent(name)
            do { try AtomicFile.write(data, to: url) } catch {
                throw ExportError.unwritable(path: url.path, reason: "\(error)")
            }
        }
        return Summary(directory: directory, files: files.map(\.0), users: dataset.users.count, items: dataset.items.count,
                       events: written, shiftedEvents: shifted)
    }

    /// RecBole's settings for our protocol: every event kept (no rating or count filter),
    /// order by time, per user the last event test and the one before validation, ranking
    /// over the full catalogue with history masked, Recall and NDCG at 10.
    public static func recboleConfig(hasRating: Bool) -> String {
        """
        # RecBole 1.2.x settings matching userllm's evaluation protocol (written by `userllm data export`).
        USER_ID_FIELD: user_id
        ITEM_ID_FIELD: item_id
        TIME_FIELD: timestamp
        load_col:
          inter: [user_id, item_id, \(hasRating ? "rating, " : "")timestamp]
        MAX_ITEM_LIST_LENGTH: 50
        eval_args:
          split: {'LS': 'valid_and_test'}
          order: TO
          group_by: user
          mode: full
        metrics: ['Recall', 'NDCG']
        topk: [10]
        valid_metric: NDCG@10

        """
    }

    /// A field as a RecBole token: no tabs or line breaks (they would split the row).
    static func clean(_ s: String) -> String {
        guard s.contains(where: { $0 == "\t" || $0.isNewline }) else { return s }
        return String(s.map { $0 == "\t" || $0.isNewline ? " " : $0 })
    }

    /// 4 → "4", 3.5 → "3.5".
    static func number(_ v: Float) -> String {
        v == v.rounded() && abs(v) < 1e9 ? String(Int(v)) : "\(v)"
    }
}
