import AtomicIO
import Foundation
import NN
import Tensor
import Timelines
import UserLLM
import XCTest

/// Feeds mutated copies of real fixtures to every reader: each dataset format, a preset, a
/// run's config.json, tokenizer.json and safetensors. A reader must return or throw one of
/// the project's typed errors, with a message of bounded length, within a time bound, and
/// change nothing on disk. A crash cannot be caught in-process: it kills the test run, and
/// the input being read is then at `$TMPDIR/userllm-fuzz-current/`, what it was in
/// `$TMPDIR/userllm-fuzz-current.label` (see `current`).
///
/// `make test` runs `defaultIterations` inputs with seed 15; more with
///   USERLLM_FUZZ_ITERATIONS=200000 USERLLM_FUZZ_SEED=7 swift test -c release --skip-build --filter FuzzTests
/// Inputs that once failed are kept in Tests/Fixtures/fuzz/ and replayed every run.
final class FuzzTests: XCTestCase {
    /// 3,000: about 33 s on a 2-core machine busy with other builds (load 17), less when quiet.
    static let defaultIterations = 3_000
    /// Longest a reader may take on one small input (seconds). Every fixture is < 1 MB
    /// even mutated; a hang (an infinite loop, memory growing) passes this quickly.
    static let timeLimit = 10.0
    /// Longest error message: a quoted field is at most 200 characters, a path a few hundred.
    static let messageLimit = 2_000

    /// One reader and the files it starts from.
    struct Target {
        var name: String
        /// Relative path → bytes: a dataset folder, or one file.
        var files: [String: [UInt8]]
        /// Reads the folder (or file) at the URL; throws what the reader throws.
        var read: (URL) throws -> Void
        /// true: `read` gets the folder; false: the one file in it.
        var folder = true
    }

    var env: [String: String] { ProcessInfo.processInfo.environment }

    func testFuzzEveryReader() throws {
        let iterations = env["USERLLM_FUZZ_ITERATIONS"].flatMap(Int.init) ?? Self.defaultIterations
        let seed = env["USERLLM_FUZZ_SEED"].flatMap(UInt64.init) ?? 15
        let targets = try Self.targets()
        var stats = Stats()
        let started = Date()
        for i in 0..<iterations {
            var m = FuzzMutator(seed: seed &* 1_000_003 &+ UInt64(i))
            let target = targets[i % targets.count]
            let kind = FuzzMutator.Kind.allCases[m.below(FuzzMutator.Kind.allCases.count)]
            let names = target.files.keys.sorted()
            let victim = names[m.below(names.count)]
            var files = target.files
            files[victim] = m.mutate(files[victim]!, kind)
            let t0 = Date()
            let outcome = try run(target, files, label: "\(target.name) #\(i) seed \(seed) \(kind.rawValue) \(victim)")
            stats.count(target.name, kind, outcome, seconds: Date().timeIntervalSince(t0))
            if case .failed = outcome { break }
        }
        let seconds = Date().timeIntervalSince(started)
        if stats.failures == 0 {
            try? FileManager.default.removeItem(at: Self.current)
            try? FileManager.default.removeItem(at: Self.current.appendingPathExtension("label"))
        }
        let summary = stats.summary(seconds: seconds, seed: seed)
        print(summary)
        if let out = env["USERLLM_FUZZ_REPORT"] { try? Data(summary.utf8).write(to: URL(fileURLWithPath: out)) }
        XCTAssertEqual(stats.failures, 0, summary)
        XCTAssertEqual(stats.tried, iterations)
    }

    /// A committed fixture file's name as the reader expects it: files that stand in for a
    /// dataset's own (ratings.csv, …) are kept as `<name>.input`, so that nothing in the
    /// repository looks like a dataset.
    static func datasetFileName(_ committed: String) -> String {
        committed.hasSuffix(".input") ? String(committed.dropLast(".input".count)) : committed
    }

    /// The kept inputs: each file in Tests/Fixtures/fuzz/<target>/<case>/ replaces the
    /// target's file of the same name (see `datasetFileName`); the case's EXPECT file says "read" (a lenient
    /// dataset load skips the bad lines; HardeningTests checks which and why) or "refused".
    func testRegressionInputs() throws {
        let root = PipelineFixture.packageRoot.appendingPathComponent("Tests/Fixtures/fuzz")
        let targets = try Self.targets()
        var replayed = 0
        for target in targets {
            let dir = root.appendingPathComponent(target.name)
            guard let cases = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else { continue }
            for c in cases.sorted() {
                var files = target.files
                let caseDir = dir.appendingPathComponent(c)
                var expected = "refused"
                for name in try FileManager.default.contentsOfDirectory(atPath: caseDir.path) {
                    let bytes = try Data(contentsOf: caseDir.appendingPathComponent(name))
                    if name == "EXPECT" { expected = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) }
                    else { files[Self.datasetFileName(name)] = [UInt8](bytes) }
                }
                let outcome = try run(target, files, label: "regression \(target.name)/\(c)")
                switch outcome {
                case .failed: XCTFail("regression \(target.name)/\(c)")
                case .accepted: XCTAssertEqual(expected, "read", "\(target.name)/\(c) was read, expected \(expected)")
                case .refused: XCTAssertEqual(expected, "refused", "\(target.name)/\(c) was refused, expected \(expected)")
                }
                replayed += 1
            }
        }
        XCTAssertGreaterThan(replayed, 0, "no regression inputs under \(root.path)")
    }

    // MARK: Running one input

    enum Outcome { case accepted, refused, failed }

    /// Writes `files` to a fresh folder, reads it on a worker thread with a time bound, and
    /// checks the result.
    func run(_ target: Target, _ files: [String: [UInt8]], label: String) throws -> Outcome {
        // The input is read where a crash leaves it: files are overwritten in place, one
        // folder for the whole run (file-system calls are most of the cost per input).
        let dir = Self.current
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for stale in (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [] where files[stale] == nil {
            try? FileManager.default.removeItem(at: dir.appendingPathComponent(stale))
        }
        for (name, bytes) in files { try Data(bytes).write(to: dir.appendingPathComponent(name)) }
        try? Data(label.utf8).write(to: dir.appendingPathExtension("label"))
        let before = Self.snapshot(files)

        // Read on this thread (no hand-off per input, which costs milliseconds on a busy
        // machine); the watchdog ends the process if one input runs past the time limit.
        var thrown: Error?
        Self.watchdog.begin(label)
        do { try target.read(target.folder ? dir : dir.appendingPathComponent(target.files.keys.first!)) } catch { thrown = error }
        Self.watchdog.end()
        let after = Self.snapshot(dir)
        if before != after {
            XCTFail("\(label): the reader changed files: \(before.symmetricDifference(after))")
            return .failed
        }
        guard let error = thrown else { return .accepted }
        let message = "\(error)"
        guard Self.isTyped(error) else {
            XCTFail("\(label): untyped error \(type(of: error)): \(message.prefix(300)); input kept at \(dir.path)")
            return .failed
        }
        guard !message.isEmpty, message.count <= Self.messageLimit else {
            XCTFail("\(label): message of \(message.count) characters: \(message.prefix(300))…")
            return .failed
        }
        return .refused
    }

    static let watchdog = Watchdog(limit: timeLimit, input: current)

    /// A hang cannot be interrupted in-process: past the limit, the watchdog names the input
    /// on stderr (it stays in `current`) and exits with status 3, failing the test run.
    final class Watchdog: @unchecked Sendable {
        private let lock = NSLock()
        private var label: String?
        private var since = Date()
        private var thread: Thread?

        init(limit: Double, input: URL) {
            let t = Thread { [unowned self] in
                while true {
                    Thread.sleep(forTimeInterval: 0.25)
                    self.lock.lock()
                    let (l, s) = (self.label, self.since)
                    self.lock.unlock()
                    if let l, Date().timeIntervalSince(s) > limit {
                        FileHandle.standardError.write(Data("FuzzTests: \(l): still running after \(limit) s (a hang); input kept at \(input.path)\n".utf8))
                        exit(3)
                    }
                }
            }
            thread = t
            t.start()
        }

        func begin(_ l: String) { lock.lock(); label = l; since = Date(); lock.unlock() }
        func end() { lock.lock(); label = nil; lock.unlock() }
    }

    static func isTyped(_ error: Error) -> Bool {
        error is DatasetError || error is TokenizerError || error is SafetensorsError || error is RunError
            || error is ConfigError || error is FileBytes.Failure || error is AtomicFile.Failure
            || error is GGUFError || error is PretrainedLLMError
    }

    /// Where each input is written and read (a crash leaves it there).
    static let current = FileManager.default.temporaryDirectory.appendingPathComponent("userllm-fuzz-current")

    /// Name, size and hash of each file as written.
    static func snapshot(_ files: [String: [UInt8]]) -> Set<String> {
        Set(files.map { name, bytes in
            var h = Hasher()
            h.combine(Data(bytes))
            return "\(name):\(bytes.count):\(h.finalize())"
        })
    }

    /// Name, size and a hash of every file under `dir`.
    static func snapshot(_ dir: URL) -> Set<String> {
        var out = Set<String>()
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        for n in names {
            let data = (try? Data(contentsOf: dir.appendingPathComponent(n))) ?? Data()
            var h = Hasher()
            h.combine(data)
            out.insert("\(n):\(data.count):\(h.finalize())")
        }
        return out
    }

    // MARK: Targets

    static func targets() throws -> [Target] {
        let root = PipelineFixture.packageRoot.appendingPathComponent("Tests/Fixtures")
        func folder(_ url: URL) throws -> [String: [UInt8]] {
            var files: [String: [UInt8]] = [:]
            for n in try FileManager.default.contentsOfDirectory(atPath: url.path) {
                files[Self.datasetFileName(n)] = try [UInt8](Data(contentsOf: url.appendingPathComponent(n)))
            }
            return files
        }
        let load: (URL) throws -> Void = { url in
            let ds = try Dataset.load(from: url)
            // What the loaded data feeds next must hold too.
            _ = FeatureVocabularies(dataset: ds)
            do { _ = try Dataset.load(from: url, strict: true) } catch {
                guard error is DatasetError else { throw error }
            }
        }
        var out: [Target] = []
        for name in ["ml-100k-bad", "ml-1m-bad", "ml-csv-bad", "recbole-bad", "amazon-bad", "google-bad"] {
            out.append(Target(name: name, files: try folder(root.appendingPathComponent("timelines/\(name)")), read: load))
        }
        // Amazon as plain text, 2018 JSON reviews and 2014 Python-literal meta.
        out.append(Target(name: "amazon-plain", files: [
            "Tiny_5.json": Array("""
                {"overall": 5.0, "verified": true, "reviewTime": "01 5, 2018", "reviewerID": "A1", "asin": "B01", "reviewText": "Good.", "summary": "Five", "unixReviewTime": 1515110400}
                {"overall": 3.0, "reviewerID": "A1", "asin": "B02", "vote": "2", "unixReviewTime": 1515196800}
                {"overall": 4.0, "reviewerID": "A2", "asin": "B01", "unixReviewTime": 1515283200, "style": {"Size:": " Large"}}

                """.utf8),
            "meta_Tiny.json": Array("""
                {'asin': 'B01', 'title': 'Red Scarf', 'categories': [['Clothing', 'Scarves']], 'price': 9.99, 'related': {'also_bought': ['B02']}}
                {"asin": "B02", "title": "Blue Hat", "category": ["Clothing", "Hats"], "brand": "Acme", "price": "$5.00"}

                """.utf8),
        ], read: load))
        // Real data, the first lines of each file (read at test time, never committed).
        let data = PipelineFixture.dataRoot
        func head(_ path: String, _ lines: Int) -> [UInt8]? {
            guard let d = try? Data(contentsOf: data.appendingPathComponent(path)) else { return nil }
            var count = 0, end = 0
            for (i, c) in d.enumerated() where c == 0x0A { count += 1; end = i + 1; if count == lines { break } }
            return [UInt8](d.prefix(end))
        }
        if let inter = head("movielens-100k/ml-100k.inter", 80), let item = head("movielens-100k/ml-100k.item", 400),
           let user = head("movielens-100k/ml-100k.user", 80) {
            out.append(Target(name: "movielens-100k-recbole", files: ["ml-100k.inter": inter, "ml-100k.item": item, "ml-100k.user": user], read: load))
        }
        if let movies = head("movielens-latest-small/movies.csv", 120), let ratings = head("movielens-latest-small/ratings.csv", 80),
           let tags = head("movielens-latest-small/tags.csv", 20) {
            out.append(Target(name: "movielens-latest-small", files: ["movies.csv": movies, "ratings.csv": ratings, "tags.csv": tags], read: load))
        }
        if let fashion = head("amazon-fashion/AMAZON_FASHION_5.json", 30) {
            out.append(Target(name: "amazon-fashion", files: ["AMAZON_FASHION_5.json": fashion], read: load))
        }

        // A preset file and a run's config.json.
        let tiny = try [UInt8](Data(contentsOf: PipelineFixture.packageRoot.appendingPathComponent("Assets/presets/tiny.json")))
        out.append(Target(name: "preset", files: ["tiny.json": tiny], read: { url in _ = try Preset.load(from: url) }, folder: false))
        let config = RunConfig(dataset: "movielens", dataDir: nil, preset: try Preset.named("tiny"), tasks: ["next-item", "review"])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        out.append(Target(name: "run-config", files: ["config.json": [UInt8](try encoder.encode(config))], read: { url in
            _ = try RunDirectory(url.deletingLastPathComponent()).readConfig()
        }, folder: false))

        // tokenizer.json: a loaded one must also encode and decode without trouble.
        let tokenizer = try [UInt8](Data(contentsOf: root.appendingPathComponent("tokenizer/golden.json")))
        out.append(Target(name: "tokenizer", files: ["tokenizer.json": tokenizer], read: { url in
            let t = try BPETokenizer.load(from: url)
            let ids = t.encode("Toy Story (1995) <|eos|> héllo\r\n\u{FEFF}")
            XCTAssertTrue(ids.allSatisfy { $0 >= 0 && Int($0) < t.vocabSize })
            _ = t.decode(ids)
        }, folder: false))

        // safetensors: a read file must hold what its header says.
        for name in ["python_f32", "python_bf16", "swift_written"] {
            let bytes = try [UInt8](Data(contentsOf: root.appendingPathComponent("safetensors/\(name).safetensors")))
            out.append(Target(name: "safetensors-\(name)", files: ["\(name).safetensors": bytes], read: { url in
                let file = try Safetensors.read(url)
                for e in file.entries { XCTAssertEqual(e.tensor.count, e.tensor.shape.reduce(1, *)) }
            }, folder: false))
        }
        // GGUF: when the GGUF reader is in this build, `extraTargets` adds it.
        out += extraTargets(root)
        return out
    }
}

/// Counts per target and mutation class, for the summary the README quotes.
struct Stats {
    var tried = 0, accepted = 0, refused = 0, failures = 0
    var byTarget: [String: Int] = [:]
    var byKind: [String: Int] = [:]
    var secondsByTarget: [String: Double] = [:]

    mutating func count(_ target: String, _ kind: FuzzMutator.Kind, _ outcome: FuzzTests.Outcome, seconds: Double) {
        tried += 1
        secondsByTarget[target, default: 0] += seconds
        byTarget[target, default: 0] += 1
        byKind[kind.rawValue, default: 0] += 1
        switch outcome {
        case .accepted: accepted += 1
        case .refused: refused += 1
        case .failed: failures += 1
        }
    }

    func summary(seconds: Double, seed: UInt64) -> String {
        var s = String(format: "fuzz: %d inputs (seed %llu) in %.1f s: %d read, %d refused with a typed error, %d failures "
                       + "(crashes, hangs, untyped errors, files changed)\n", tried, seed, seconds, accepted, refused, failures)
        s += "  readers (\(byTarget.count)): " + byTarget.keys.sorted().map { "\($0) \(byTarget[$0]!)" }.joined(separator: ", ") + "\n"
        s += "  mutations (\(byKind.count)): " + byKind.keys.sorted().map { "\($0) \(byKind[$0]!)" }.joined(separator: ", ") + "\n"
        s += "  seconds per reader: " + secondsByTarget.keys.sorted().map { String(format: "%@ %.2f", $0, secondsByTarget[$0]!) }.joined(separator: ", ")
        return s
    }
}
