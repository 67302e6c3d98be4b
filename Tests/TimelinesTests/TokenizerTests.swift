import Foundation
import XCTest
import Timelines

/// The trained tokenizer on real catalogue text: round trips, determinism, special tokens,
/// tokenizer.json round trip, and training checked against a naive recount-every-merge BPE.
final class TokenizerTests: XCTestCase {
    private static var cached: (tokenizer: BPETokenizer, titles: [String], sentences: [String])?

    /// One tokenizer trained on the MovieLens-100K catalogue sentences, shared by the tests.
    private func movieLensTokenizer() throws -> (tokenizer: BPETokenizer, titles: [String], sentences: [String]) {
        if let cached = Self.cached { return cached }
        let (titles, sentences) = try TokenizerTestSupport.movieLens100KTitlesAndSentences()
        let tokenizer = BPETokenizer.train(corpus: sentences, vocabSize: 1024)
        Self.cached = (tokenizer, titles, sentences)
        return Self.cached!
    }

    func testRoundTripOnEveryMovieLens100KTitleAndSentence() throws {
        let (tokenizer, titles, sentences) = try movieLensTokenizer()
        XCTAssertEqual(titles.count, 1682)
        var tokens = 0, bytes = 0
        for text in titles + sentences {
            let ids = tokenizer.encode(text)
            XCTAssertEqual(tokenizer.decode(ids), text)
            XCTAssertFalse(ids.contains { tokenizer.isSpecial($0) }, text)
            tokens += ids.count
            bytes += text.utf8.count
        }
        // Merges must actually compress: a bytes-only "tokenizer" would round-trip too.
        XCTAssertLessThan(Double(tokens), 0.4 * Double(bytes), "\(tokens) tokens for \(bytes) bytes")
        XCTAssertEqual(tokenizer.encode("Toy Story (1995) is an Animation, Children's, Comedy movie.").count,
                       tokenizer.encode(sentences[0]).count)
    }

    func testRoundTripOnMovieLensLatestSmallTitlesAndFashionReviews() throws {
        let (tokenizer, _, _) = try movieLensTokenizer()
        let titles = try TokenizerTestSupport.movieLensLatestSmallTitles()
        XCTAssertEqual(titles.count, 9742)
        for text in titles { XCTAssertEqual(tokenizer.decode(tokenizer.encode(text)), text) }
        let reviews = try TokenizerTestSupport.amazonFashionReviews()
        XCTAssertGreaterThan(reviews.count, 1000)
        for text in reviews { XCTAssertEqual(tokenizer.decode(tokenizer.encode(text)), text) }
    }

    func testRoundTripOnUnseenScriptsEmojiAndControlCharacters() throws {
        let (tokenizer, _, _) = try movieLensTokenizer()
        let texts = ["Amélie (2001) — naïve café", "東京物語 (1953)", "Спасибо", "🍿🎬 👨‍👩‍👧‍👦 🇫🇷 👍🏽",
                     "e\u{301}", "\u{0}\u{1}\t\r\n\u{7F}", "   ", "", "a\u{00A0}b\u{3000}c\u{200B}d",
                     "'s'S'll 'LL", "<|bos|", "<|bos|><|bos|>", String(repeating: "9", count: 5000)]
        for text in texts {
            XCTAssertEqual(tokenizer.decode(tokenizer.encode(text)), text, text.debugDescription)
            XCTAssertEqual(tokenizer.decode(tokenizer.encode(text, allowSpecial: false)), text, text.debugDescription)
        }
    }

    func testSpecialTokens() throws {
        let (tokenizer, _, _) = try movieLensTokenizer()
        for (n, special) in SpecialToken.allCases.enumerated() {
            XCTAssertEqual(tokenizer.id(of: special), Int32(n))
            XCTAssertTrue(tokenizer.isSpecial(Int32(n)))
        }
        XCTAssertEqual(tokenizer.specialTokens, SpecialToken.allCases.map(\.rawValue))
        let bos = tokenizer.id(of: .bos)!, eos = tokenizer.id(of: .eos)!, user = tokenizer.id(of: .user)!
        let text = "<|bos|><|user|>Toy Story (1995)<|eos|>"
        let ids = tokenizer.encode(text)
        XCTAssertEqual(ids.first, bos)
        XCTAssertEqual(ids[1], user)
        XCTAssertEqual(ids.last, eos)
        XCTAssertEqual(Array(ids[2..<(ids.count - 1)]), tokenizer.encode("Toy Story (1995)"))
        XCTAssertEqual(tokenizer.decode(ids), text)
        XCTAssertEqual(tokenizer.decode(ids, skipSpecial: true), "Toy Story (1995)")
        // Not allowed: the marker is plain text, split into ordinary tokens.
        let plain = tokenizer.encode(text, allowSpecial: false)
        XCTAssertFalse(plain.contains { tokenizer.isSpecial($0) })
        XCTAssertEqual(tokenizer.decode(plain), text)
        // A special token never comes out of merges, even when trained on text containing it.
        let trained = BPETokenizer.train(corpus: Array(repeating: "<|eos|> <|eos|>x", count: 50), vocabSize: 400)
        let merged = trained.encode("<|eos|>", allowSpecial: false)
        XCTAssertGreaterThan(merged.count, 1)
        XCTAssertEqual(trained.encode("<|eos|>"), [trained.id(of: .eos)!])
    }

    func testTrainingIsDeterministicAndOrderIndependent() throws {
        let (tokenizer, _, sentences) = try movieLensTokenizer()
        XCTAssertEqual(tokenizer.vocabSize, 1024)
        let again = BPETokenizer.train(corpus: sentences, vocabSize: 1024)
        XCTAssertEqual(again.tokenizerJSON(), tokenizer.tokenizerJSON())
        let reversed = BPETokenizer.train(corpus: sentences.reversed(), vocabSize: 1024)
        XCTAssertEqual(reversed.tokenizerJSON(), tokenizer.tokenizerJSON())
        let other = BPETokenizer.train(corpus: Array(sentences.dropFirst(100)), vocabSize: 1024)
        XCTAssertNotEqual(other.tokenizerJSON(), tokenizer.tokenizerJSON())
    }

    func testTokenizerJSONRoundTrip() throws {
        let (tokenizer, titles, sentences) = try movieLensTokenizer()
        let dir = try TokenizerTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("tokenizer.json")
        try tokenizer.save(to: url)
        try tokenizer.save(to: url)   // overwriting in place works too
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["tokenizer.json"])
        let loaded = try BPETokenizer.load(from: url)
        XCTAssertEqual(loaded.vocabSize, tokenizer.vocabSize)
        XCTAssertEqual(loaded.mergeCount, tokenizer.mergeCount)
        XCTAssertEqual(loaded.specialTokens, tokenizer.specialTokens)
        XCTAssertEqual(loaded.tokenizerJSON(), tokenizer.tokenizerJSON())
        for text in titles + sentences + ["<|bos|>Toy Story<|eos|>"] {
            XCTAssertEqual(loaded.encode(text), tokenizer.encode(text))
        }
        // The file is plain Hugging Face JSON: vocab ids are unique and merges are pairs.
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        let model = json["model"] as! [String: Any]
        XCTAssertEqual(model["type"] as? String, "BPE")
        XCTAssertEqual((model["vocab"] as! [String: Int]).count, tokenizer.vocabSize)
        XCTAssertEqual((model["merges"] as! [[String]]).count, tokenizer.mergeCount)
        XCTAssertEqual((json["added_tokens"] as! [Any]).count, SpecialToken.allCases.count)
    }

    /// The incremental pair-count updates give the same merges as recounting every pair
    /// before every merge (same tie rule: highest count, then smaller (left, right) id).
    func testTrainingMatchesNaiveRecountingBPE() throws {
        let (_, _, sentences) = try movieLensTokenizer()
        let corpus = Array(sentences.prefix(300)) + ["aaaa aaaa aaaaa", "abab abab ababab", "<|pad|> x"]
        let trained = BPETokenizer.train(corpus: corpus, vocabSize: 700)
        let json = try JSONSerialization.jsonObject(with: Data(trained.tokenizerJSON().utf8)) as! [String: Any]
        let merges = ((json["model"] as! [String: Any])["merges"] as! [[String]]).map { $0[0] + " " + $0[1] }
        let expected = NaiveBPE.merges(corpus: corpus, specialTokens: SpecialToken.allCases.map(\.rawValue), vocabSize: 700)
        XCTAssertGreaterThan(expected.count, 300)
        XCTAssertEqual(merges, expected)
    }
}

/// A deliberately simple BPE trainer (recount everything each merge) as the reference.
private enum NaiveBPE {
    static func byteSpelling(_ b: UInt8) -> String {
        var printable: [UInt8] = Array(0x21...0x7E) + Array(0xA1...0xAC) + Array(0xAE...0xFF)
        if printable.contains(b) { return String(Character(Unicode.Scalar(b))) }
        printable.sort()
        let rank = (0...255).filter { !printable.contains(UInt8($0)) }.firstIndex(of: Int(b))!
        return String(Character(Unicode.Scalar(UInt32(256 + rank))!))
    }

    static func merges(corpus: [String], specialTokens: [String], vocabSize: Int) -> [String] {
        // Words: a plain regex-free split is not enough, so use GPT-2's pattern via NSRegularExpression.
        let pattern = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
        let regex = try! NSRegularExpression(pattern: pattern)
        var counts: [[Int]: Int] = [:]
        for text in corpus {
            var pieces = [text]
            for special in specialTokens { pieces = pieces.flatMap { $0.components(separatedBy: special) } }
            for piece in pieces {
                let ns = piece as NSString
                for m in regex.matches(in: piece, range: NSRange(location: 0, length: ns.length)) {
                    counts[Array(ns.substring(with: m.range).utf8).map { specialTokens.count + Int($0) }, default: 0] += 1
                }
            }
        }
        var bytesOf: [[UInt8]] = specialTokens.map { Array($0.utf8) } + (0..<256).map { [UInt8($0)] }
        var words = Array(counts)
        var result: [String] = []
        while bytesOf.count < vocabSize {
            var pairs: [[Int]: Int] = [:]
            for (word, f) in words where word.count > 1 {
                for j in 0..<(word.count - 1) { pairs[[word[j], word[j + 1]], default: 0] += f }
            }
            guard let best = pairs.max(by: { a, b in
                a.value != b.value ? a.value < b.value : (a.key[0], a.key[1]) > (b.key[0], b.key[1])
            }), best.value >= 2 else { break }
            let merged = bytesOf[best.key[0]] + bytesOf[best.key[1]]
            let id = bytesOf.firstIndex(of: merged) ?? bytesOf.count
            if id == bytesOf.count { bytesOf.append(merged) }
            let spell = { (t: Int) in bytesOf[t].map(byteSpelling).joined() }
            result.append(spell(best.key[0]) + " " + spell(best.key[1]))
            words = words.map { word, f in
                var out: [Int] = []
                var j = 0
                while j < word.count {
                    if j + 1 < word.count && word[j] == best.key[0] && word[j + 1] == best.key[1] {
                        out.append(id); j += 2
                    } else {
                        out.append(word[j]); j += 1
                    }
                }
                return (out, f)
            }
        }
        return result
    }
}

/// Encoding from many threads at once (the word cache is shared) gives the serial result.
final class TokenizerConcurrencyTests: XCTestCase {
    func testConcurrentEncodingMatchesSerial() throws {
        let (titles, sentences) = try TokenizerTestSupport.movieLens100KTitlesAndSentences()
        let tokenizer = BPETokenizer.train(corpus: sentences, vocabSize: 800)
        let texts = titles + sentences
        let serial = try BPETokenizer(tokenizerJSON: Data(tokenizer.tokenizerJSON().utf8))
        let expected = texts.map { serial.encode($0) }
        let lock = NSLock()
        var mismatches = 0
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            var local = 0
            for (n, text) in texts.enumerated() where (n + worker) % 2 == 0 {
                if tokenizer.encode(text) != expected[n] { local += 1 }
            }
            lock.lock(); mismatches += local; lock.unlock()
        }
        XCTAssertEqual(mismatches, 0)
        XCTAssertEqual(tokenizer.piece(expected[0][0]) + tokenizer.piece(expected[0][1]),
                       String(texts[0].prefix(tokenizer.piece(expected[0][0]).count + tokenizer.piece(expected[0][1]).count)))
    }
}

final class TokenizerCorpusTests: XCTestCase {
    func testCatalogueSentencesAndReviews() throws {
        let catalogue = try TokenizerTestSupport.movieLens100KCatalogue()
        let items = catalogue.enumerated().map { n, movie in
            Item(rawID: "\(n + 1)", name: "\(movie.title) (\(movie.year))", categories: movie.genres)
        }
        let events = [Event(user: 0, item: 0, rating: 5, timestamp: 1, text: "Loved it.", summary: "Five stars"),
                      Event(user: 0, item: 1, rating: 3, timestamp: 2)]
        let dataset = Dataset(name: "movielens-100k", domain: .movies, users: [User(rawID: "1")], items: items,
                              events: events, report: LoadReport())
        let texts = TokenizerCorpus.texts(for: dataset, reviewsOf: events)
        XCTAssertEqual(texts.count, 1682 + 2)
        XCTAssertEqual(texts[0], "Toy Story (1995) is an Animation, Children's, Comedy movie.")
        XCTAssertEqual(texts[1], "GoldenEye (1995) is an Action, Adventure, Thriller movie.")
        XCTAssertEqual(Array(texts.suffix(2)), ["Loved it.", "Five stars"])
        XCTAssertEqual(TokenizerCorpus.catalogueSentence(Item(rawID: "x", name: "Gift Card"), domain: .products),
                       "Gift Card is a product.")
        XCTAssertEqual(TokenizerCorpus.catalogueSentence(Item(rawID: "x", name: "Cafe", categories: ["Bakery"]), domain: .places),
                       "Cafe is a Bakery place.")
    }
}
