import Foundation

/// The on-disk formats `Dataset.load` reads; detected from the file names in a folder.
public enum DatasetFormat: String, CaseIterable, Codable, Sendable {
    /// RecBole atomic files: `*.inter` (+ `*.item`, `*.user`) with typed headers.
    case recbole
    /// GroupLens ml-100k: `u.data`, `u.item`, `u.user` (`|`-separated, Latin-1).
    case movielens100k = "ml-100k"
    /// GroupLens ml-1m: `ratings.dat`, `movies.dat`, `users.dat` (`::`-separated, Latin-1).
    case movielens1m = "ml-1m"
    /// GroupLens ml-20m / ml-25m / ml-latest(-small): `ratings.csv`, `movies.csv`, `tags.csv`.
    case movielensCSV = "ml-csv"
    /// Amazon Review Data 2018 (`*_5.json`, `meta_*.json`) or 2014 (`reviews_*.json`), plain or gzip.
    case amazon
    /// Google Local 2021: `review-*.json`, `meta-*.json`, plain or gzip.
    case googleLocal = "google-local"

    public var domain: Domain {
        switch self {
        case .recbole, .movielens100k, .movielens1m, .movielensCSV: return .movies
        case .amazon: return .products
        case .googleLocal: return .places
        }
    }

    /// Picks the format from the files present in `directory`.
    public static func detect(in directory: URL) throws -> DatasetFormat {
        let names = try listFiles(directory)
        func has(_ predicate: (String) -> Bool) -> Bool { names.contains(where: predicate) }
        if has({ $0.hasSuffix(".inter") }) { return .recbole }
        if names.contains("u.data") || names.contains("u.data.gz") { return .movielens100k }
        if has({ $0.hasPrefix("ratings.dat") }) { return .movielens1m }
        if has({ $0 == "ratings.csv" || $0 == "ratings.csv.gz" }) { return .movielensCSV }
        if has({ isJSONLines($0) && ($0.hasPrefix("review-") || $0.hasPrefix("meta-")) }) { return .googleLocal }
        if has({ isJSONLines($0) && ($0.hasPrefix("meta_") || $0.hasPrefix("reviews_") || $0.contains("_5.json")) }) {
            return .amazon
        }
        throw DatasetError.unrecognizedFormat(directory: directory.path, found: names)
    }

    static func listFiles(_ directory: URL) throws -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        } catch {
            throw DatasetError.unreadable(path: directory.path, reason: "not a readable folder")
        }
    }

    static func isJSONLines(_ name: String) -> Bool {
        name.hasSuffix(".json") || name.hasSuffix(".json.gz") || name.hasSuffix(".jsonl") || name.hasSuffix(".jsonl.gz")
    }
}
