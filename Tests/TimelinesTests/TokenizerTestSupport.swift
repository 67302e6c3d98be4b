import Foundation
import XCTest

/// Where the tokenizer tests find their fixtures and the real datasets, and a few lines of
/// parsing for the catalogue and reviews (independent of the Timelines loaders, so a
/// loader bug cannot hide a tokenizer bug).
enum TokenizerTestSupport {
    /// The folder holding Package.swift, found upward from this file.
    static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while url.path != "/" {
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
            url = url.deletingLastPathComponent()
        }
        fatalError("no Package.swift above \(#filePath)")
    }()

    static var fixtures: URL { packageRoot.appendingPathComponent("Tests/Fixtures/tokenizer") }

    static var dataRoot: URL {
        if let env = ProcessInfo.processInfo.environment["USERLLM_TEST_DATA"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        return packageRoot.appendingPathComponent("../shared/data").standardizedFileURL
    }

    /// A dataset folder; skips the test when absent, except MovieLens-100K and CI=true.
    static func dataset(_ name: String) throws -> URL {
        let url = dataRoot.appendingPathComponent(name)
        if FileManager.default.fileExists(atPath: url.path) { return url }
        if name == "movielens-100k" || ProcessInfo.processInfo.environment["CI"] == "true" {
            XCTFail("dataset \(name) missing at \(url.path)")
            throw XCTSkip("missing \(name)")
        }
        throw XCTSkip("dataset \(name) not at \(url.path)")
    }

    /// MovieLens-100K catalogue (RecBole `ml-100k.item`): (title, year, genres) per movie.
    static func movieLens100KCatalogue() throws -> [(title: String, year: String, genres: [String])] {
        let file = try dataset("movielens-100k").appendingPathComponent("ml-100k.item")
        let text = try String(contentsOf: file, encoding: .utf8)
        var rows: [(String, String, [String])] = []
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where n > 0 && !line.isEmpty {
            let cols = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard cols.count == 4 else { XCTFail("ml-100k.item:\(n + 1): \(cols.count) columns"); continue }
            rows.append((cols[1], cols[2], cols[3].split(separator: " ").map(String.init)))
        }
        return rows
    }

    /// Titles as the next-item task writes them, and catalogue sentences such as
    /// "Toy Story (1995) is an Animation, Children's, Comedy movie."
    static func movieLens100KTitlesAndSentences() throws -> (titles: [String], sentences: [String]) {
        let catalogue = try movieLens100KCatalogue()
        let titles = catalogue.map { $0.year.isEmpty ? $0.title : "\($0.title) (\($0.year))" }
        let sentences = zip(titles, catalogue).map { title, movie -> String in
            let genres = movie.genres.joined(separator: ", ")
            let article = genres.first.map { "AEIOU".contains($0) } == true ? "an" : "a"
            return "\(title) is \(article) \(genres) movie."
        }
        return (titles, sentences)
    }

    /// ml-latest-small `movies.csv` titles (quoted where they hold commas).
    static func movieLensLatestSmallTitles() throws -> [String] {
        let file = try dataset("movielens-latest-small").appendingPathComponent("movies.csv")
        let text = try String(contentsOf: file, encoding: .utf8)
        var titles: [String] = []
        for (n, line) in text.split(whereSeparator: \.isNewline).enumerated() where n > 0 {
            guard let firstComma = line.firstIndex(of: ","), let lastComma = line.lastIndex(of: ",") else { continue }
            var title = String(line[line.index(after: firstComma)..<lastComma])
            if title.hasPrefix("\"") && title.hasSuffix("\"") {
                title = String(title.dropFirst().dropLast()).replacingOccurrences(of: "\"\"", with: "\"")
            }
            titles.append(title)
        }
        return titles
    }

    /// Review texts of Amazon Fashion 2018 5-core (one JSON object per line, plain file).
    static func amazonFashionReviews() throws -> [String] {
        let file = try dataset("amazon-fashion").appendingPathComponent("AMAZON_FASHION_5.json")
        let text = try String(contentsOf: file, encoding: .utf8)
        var reviews: [String] = []
        for line in text.split(whereSeparator: \.isNewline) {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { continue }
            if let review = object["reviewText"] as? String { reviews.append(review) }
            if let summary = object["summary"] as? String { reviews.append(summary) }
        }
        return reviews
    }

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("userllm-tokenizer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
