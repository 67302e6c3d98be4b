import Foundation
import XCTest
import Timelines

/// Issue 15's classes for the dataset readers and the tokenizer: each input here crashed,
/// hung, or loaded wrong numbers with exit status 0 before the fix.
final class HardeningTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("userllm-harden-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func write(_ name: String, _ text: String) throws {
        try Data(text.utf8).write(to: dir.appendingPathComponent(name))
    }

    func write(_ name: String, bytes: [UInt8]) throws {
        try Data(bytes).write(to: dir.appendingPathComponent(name))
    }

    static let movies = "movieId,title,genres\n1,Toy Story (1995),Animation|Comedy\n2,Heat (1995),Action\n"

    // MARK: Recursion depth

    func testRecordNested40000DeepIsRefusedNotAStackOverflow() throws {
        let deep = String(repeating: "[", count: 40_000) + String(repeating: "]", count: 40_000)
        try write("Tiny_5.json", """
            {"reviewerID": "u1", "asin": "a1", "overall": 5.0, "unixReviewTime": 100}
            {"reviewerID": "u1", "asin": "a2", "overall": 4.0, "unixReviewTime": 200, "x": \(deep)}
            {"reviewerID": "u2", "asin": "a1", "overall": 3.0, "unixReviewTime": 300}

            """)
        let ds = try Dataset.load(from: dir)
        XCTAssertEqual(ds.events.count, 2)
        XCTAssertEqual(ds.report.issues.map(\.description),
                       ["Tiny_5.json:2: nested more than 64 levels deep (refused: a record is a flat object)"])
    }

    func testPythonLiteralNestedDeepIsRefused() throws {
        // Not JSON (single quotes), so it goes to the Python-literal parser.
        let deep = String(repeating: "(", count: 40_000) + String(repeating: ")", count: 40_000)
        try write("Tiny_5.json", "{'reviewerID': 'u1', 'asin': 'a1', 'overall': 5.0, 'unixReviewTime': 100}\n"
                  + "{'reviewerID': 'u1', 'asin': 'a2', 'x': \(deep)}\n")
        let ds = try Dataset.load(from: dir)
        XCTAssertEqual(ds.events.count, 1)
        XCTAssertTrue(ds.report.issues[0].reason.contains("nested more than 64"), "\(ds.report.issues)")
    }

    // MARK: Messages

    func testErrorMessagesQuoteAtMost200CharactersAndShowInvisibles() throws {
        let huge = String(repeating: "9x", count: 5_000_000)   // a 10 MB field
        try write("movies.csv", Self.movies)
        try write("ratings.csv", "userId,movieId,rating,timestamp\n1,1,\(huge),100\n1,2,4\r5,200\n1,2,\u{FEFF}4,300\n1,1,4.0,400\n")
        let ds = try Dataset.load(from: dir)
        XCTAssertEqual(ds.events.count, 1)
        let r = ds.report.issues.map(\.description)
        XCTAssertEqual(r.count, 3, "\(r)")
        XCTAssertLessThan(r[0].count, 300)
        XCTAssertTrue(r[0].hasPrefix("ratings.csv:2: rating '9x9x"), r[0])
        XCTAssertTrue(r[0].contains("…' is not a number"), r[0])
        XCTAssertEqual(r[1], "ratings.csv:3: rating '4\\r5' is not a number")
        XCTAssertEqual(r[2], "ratings.csv:4: rating '\\u{FEFF}4' is not a number")
        // Strict mode's error is as short.
        XCTAssertThrowsError(try Dataset.load(from: dir, strict: true)) { XCTAssertLessThan("\($0)".count, 400) }
    }

    // MARK: Line endings

    func testLineEndingsCRCRLFLFAndBOMAllReadTheSame() throws {
        let lines = ["userId,movieId,rating,timestamp", "1,1,4.0,100", "1,2,3.5,200", "2,1,5.0,300"]
        var loaded: [[Event]] = []
        for (name, ending, bom) in [("LF", "\n", false), ("CRLF", "\r\n", false), ("CR", "\r", false),
                                    ("BOM+CRLF", "\r\n", true), ("CR, no final ending", "\r", false)] {
            try write("movies.csv", (bom ? "\u{FEFF}" : "") + Self.movies.replacingOccurrences(of: "\n", with: ending))
            var text = (bom ? "\u{FEFF}" : "") + lines.joined(separator: ending)
            if !name.contains("no final") { text += ending }
            try write("ratings.csv", text)
            let ds = try Dataset.load(from: dir, strict: true)
            XCTAssertEqual(ds.events.count, 3, name)
            XCTAssertEqual(ds.items.map(\.name), ["Toy Story (1995)", "Heat (1995)"], name)
            XCTAssertEqual(ds.report.skipped, 0, name)
            loaded.append(ds.events)
        }
        for e in loaded.dropFirst() { XCTAssertEqual(e.map(\.timestamp), loaded[0].map(\.timestamp)) }
    }

    func testZeroEventsIsAnErrorNotASilentSuccess() throws {
        try write("movies.csv", Self.movies)
        try write("ratings.csv", "userId,movieId,rating,timestamp\n1;1;4.0;100\n1;2;3.5;200\n")
        XCTAssertThrowsError(try Dataset.load(from: dir)) { error in
            guard case DatasetError.noEvents(let files, let skipped, let first) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(files, ["ratings.csv"])
            XCTAssertEqual(skipped, 2)
            XCTAssertEqual(first?.line, 2)
            XCTAssertTrue("\(error)".contains("0 events loaded"), "\(error)")
        }
        XCTAssertThrowsError(try Dataset.load(from: dir, strict: true)) { error in
            guard case DatasetError.malformed(let issue) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(issue.line, 2)
        }
    }

    // MARK: Numbers

    func testRatingsBeyondFloatAndNaNAreRefusedLikeInf() throws {
        try write("movies.csv", Self.movies)
        try write("ratings.csv", "userId,movieId,rating,timestamp\n1,1,1e300,100\n1,1,inf,150\n1,2,nan,200\n1,2,4.5,300\n")
        let ds = try Dataset.load(from: dir)
        XCTAssertEqual(ds.events.map(\.rating), [4.5])
        XCTAssertEqual(ds.report.issues.map(\.description), [
            "ratings.csv:2: rating '1e300' is beyond a 32-bit float (±3.4e38)",
            "ratings.csv:3: rating 'inf' is not a number",
            "ratings.csv:4: rating 'nan' is not a number",
        ])
        XCTAssertTrue(ds.events.allSatisfy { $0.rating?.isFinite ?? true })
    }

    func testAmazonNaNOverallIsRefused() throws {
        try write("Tiny_5.json", """
            {"reviewerID": "u1", "asin": "a1", "overall": "nan", "unixReviewTime": 100}
            {"reviewerID": "u1", "asin": "a2", "overall": 1e300, "unixReviewTime": 200}
            {"reviewerID": "u1", "asin": "a3", "overall": "Infinity", "unixReviewTime": 250}
            {"reviewerID": "u2", "asin": "a1", "overall": 3.0, "unixReviewTime": 300}

            """)
        let ds = try Dataset.load(from: dir)
        XCTAssertEqual(ds.events.map(\.rating), [3.0])
        XCTAssertEqual(ds.report.skipped, 3, "\(ds.report.issues)")
        XCTAssertTrue(ds.report.issues.allSatisfy { $0.reason.contains("is not a finite number") }, "\(ds.report.issues)")
    }

    // MARK: Special files

    func testFIFOInPlaceOfADataFileIsRefusedNotWaitedOn() throws {
        try write("movies.csv", Self.movies)
        XCTAssertEqual(mkfifo(dir.appendingPathComponent("ratings.csv").path, 0o644), 0)
        XCTAssertThrowsError(try Dataset.load(from: dir)) { error in
            XCTAssertTrue("\(error)".contains("is a FIFO (named pipe), not a regular file"), "\(error)")
        }
    }

    // MARK: Tokenizer JSON

    func tokenizerJSON(vocab: String, added: String = "[]") -> Data {
        Data("""
            {"added_tokens": \(added), "normalizer": null,
             "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "use_regex": true},
             "decoder": {"type": "ByteLevel"},
             "model": {"type": "BPE", "vocab": \(vocab), "merges": []}}
            """.utf8)
    }

    func testTokenizerHugeIdIsRefusedBeforeAllocating() throws {
        let clock = ContinuousClock.now
        XCTAssertThrowsError(try BPETokenizer(tokenizerJSON: tokenizerJSON(
            vocab: #"{"a": 0}"#, added: #"[{"id": 2147483646, "content": "<|bos|>", "special": true}]"#))) { error in
            XCTAssertEqual("\(error)", "<memory>: added_tokens[0].id: id 2147483646 is out of range 0..<2097152")
        }
        XCTAssertThrowsError(try BPETokenizer(tokenizerJSON: tokenizerJSON(vocab: #"{"a": 2147483646}"#))) { error in
            XCTAssertTrue("\(error)".contains("out of range 0..<2097152"), "\(error)")
        }
        XCTAssertLessThan(ContinuousClock.now - clock, .seconds(2))
    }

    func testTokenizerEmptyVocabularyIsRefused() throws {
        XCTAssertThrowsError(try BPETokenizer(tokenizerJSON: tokenizerJSON(vocab: "{}"))) { error in
            XCTAssertEqual("\(error)", "<memory>: model.vocab: is empty: a BPE needs at least its byte tokens")
        }
    }

    func testTokenizerDeepNestingAndUnreadableFilesGiveClearErrors() throws {
        let deep = String(repeating: "[", count: 40_000) + String(repeating: "]", count: 40_000)
        XCTAssertThrowsError(try BPETokenizer(tokenizerJSON: tokenizerJSON(vocab: #"{"a": 0}"#, added: deep))) { error in
            XCTAssertTrue("\(error)".contains("nested more than 64 levels deep"), "\(error)")
        }
        // A folder, a FIFO and a missing file: the reason in words, not "NSCocoaErrorDomain error 256".
        XCTAssertThrowsError(try BPETokenizer.load(from: dir)) { XCTAssertTrue("\($0)".contains("is a directory"), "\($0)") }
        let fifo = dir.appendingPathComponent("tokenizer.json")
        XCTAssertEqual(mkfifo(fifo.path, 0o644), 0)
        XCTAssertThrowsError(try BPETokenizer.load(from: fifo)) { XCTAssertTrue("\($0)".contains("is a FIFO"), "\($0)") }
        XCTAssertThrowsError(try BPETokenizer.load(from: dir.appendingPathComponent("none.json"))) {
            XCTAssertTrue("\($0)".contains("No such file or directory"), "\($0)")
            XCTAssertFalse("\($0)".contains("NSCocoaErrorDomain"), "\($0)")
        }
        // A BOM before valid JSON is not "not valid JSON".
        var bom = Data([0xEF, 0xBB, 0xBF])
        bom.append(tokenizerJSON(vocab: #"{"a": 0}"#))
        XCTAssertEqual(try BPETokenizer(tokenizerJSON: bom).vocabSize, 1)
    }

    // MARK: Excerpt

    func testExcerptCutsAndEscapes() {
        XCTAssertEqual(Excerpt.quoted("abc"), "'abc'")
        XCTAssertEqual(Excerpt.quoted("a\rb\u{FEFF}\u{0}"), "'a\\rb\\u{FEFF}\\u{0}'")
        let long = Excerpt.quoted(String(repeating: "é", count: 1000))
        XCTAssertEqual(long.count, 2 + 200 + 1)
        XCTAssertTrue(long.hasSuffix("…'"))
        [UInt8](repeating: 0xFF, count: 5000).withUnsafeBufferPointer { b in
            XCTAssertLessThanOrEqual(Excerpt.quoted(b).count, 203)
        }
    }
}
