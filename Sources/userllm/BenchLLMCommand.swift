import ArgumentParser
import Foundation
import Tensor
import UserLLM

/// `userllm bench llm`: the pretrained GGUF model's prefill and decode speed, ours
/// (QuantizedLlama: weights in their GGML blocks) beside llama.cpp on the same file, token
/// ids and threads, in one run; plus what decoding reads and what limits it.
struct BenchLLMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "llm",
        abstract: "Prefill and decode tokens/s of the GGUF model, ours beside llama.cpp (xllamacpp).",
        discussion: """
        Prefill: a prompt of N tokens (logits of the last), best of --repeats. Decode: --decode \
        steps after an 8-token prompt, 1 row, and --beams rows (one per sequence, as a beam \
        search steps). llama.cpp runs through Tools/reference/bench_llamacpp.py in xllamacpp \
        (its own per-phase timings); without it, ours alone. Also: weight bytes each decoded \
        token reads, the GB/s that makes, a streaming-read bandwidth of this machine for \
        comparison (the model's size, cache-resident here, and 1 GB), and resident memory. \
        From 2 threads, 1-row decoding is also measured with the spinning team off (each \
        product then wakes the sleeping pool), for the team's effect in the same run.
        """
    )

    @Option(help: "Model name under $USERLLM_HOME/models/.")
    var model = "smollm2-135m"
    @Option(help: "GGUF file (default: the model's file in the cache).")
    var file: String?
    @Option(help: "Thread counts, comma-separated.")
    var threads = "1,2"
    @Option(help: "Prompt lengths for prefill, comma-separated.")
    var prefill = "32,128,512"
    @Option(help: "Decoding steps per measurement.")
    var decode = 64
    @Option(help: "Rows of the many-row decode (beam search width).")
    var beams = 10
    @Option(help: "Repeats per measurement (the best counts: others share the cores).")
    var repeats = 2
    @Option(help: "Python with xllamacpp.")
    var python = "/usr/bin/python3"
    @Flag(help: "Skip llama.cpp.")
    var noLlamacpp = false
    @Flag(help: "Print one JSON object instead of the table.")
    var json = false

    struct Side: Codable {
        var prefill: [Int: Double] = [:]
        var decode: Double = 0
        var decodeRows: Double = 0
        /// Ours with the spinning team off (every product wakes the sleeping pool), 2+ threads.
        var decodeWithoutTeam: Double?
    }

    struct Row: Codable {
        var threads: Int
        var ours: Side
        var llamacpp: Side?
        var ourRSSMiB: Double
    }

    struct Report: Codable {
        var file: String
        var tensorBytes: Int
        var weightBytesPerToken: Int
        var bandwidthModelSizeGBs: [Int: Double]
        var bandwidthDRAMGBs: [Int: Double]
        var rows: [Row]
        var llamacppNote: String?
    }

    static func home() -> URL {
        let env = ProcessInfo.processInfo.environment
        if let h = env["USERLLM_HOME"], !h.isEmpty { return URL(fileURLWithPath: h) }
        if let x = env["XDG_CACHE_HOME"], !x.isEmpty { return URL(fileURLWithPath: x).appendingPathComponent("userllm") }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/userllm")
    }

    /// The same ids as bench_llamacpp.py: bos, then a fixed walk over ordinary tokens.
    static func promptIDs(_ n: Int, vocab: Int) -> [Int32] {
        [1] + (0..<max(0, n - 1)).map { Int32(17 + ($0 * 7919 + 13) % (vocab - 17)) }
    }

    func run() throws {
        let url: URL
        if let file { url = URL(fileURLWithPath: file) } else {
            let dir = Self.home().appendingPathComponent("models/\(model)")
            let found = (try? FileManager.default.contentsOfDirectory(atPath: dir.path))?.first { $0.hasSuffix(".gguf") }
            guard let found else { throw BenchError("no .gguf under \(dir.path): fetch the model or pass --file") }
            url = dir.appendingPathComponent(found)
        }
        let threadCounts = threads.split(separator: ",").compactMap { Int($0) }.filter { $0 > 0 }
        let lengths = prefill.split(separator: ",").compactMap { Int($0) }.filter { $0 > 0 }
        guard !threadCounts.isEmpty, !lengths.isEmpty, decode > 0, beams > 0 else { throw BenchError("empty --threads, --prefill or --decode") }
        let llm = try QuantizedLlama(url: url)
        let vocab = llm.config.vocab
        let logits = UnsafeMutablePointer<Float>.allocate(capacity: max(beams, 1) * vocab)
        defer { logits.deallocate() }
        let script = Self.locateScript()
        var note: String?
        if noLlamacpp { note = "skipped (--no-llamacpp)" } else if script == nil { note = "Tools/reference/bench_llamacpp.py not found" }

        var rows: [Row] = []
        var bwModel: [Int: Double] = [:], bwDRAM: [Int: Double] = [:]
        for n in threadCounts {
            var ours = Side()
            for t in lengths {
                var best = 0.0
                for _ in 0..<repeats {
                    llm.reset(sequences: 1, capacity: t + 1)
                    let ids = Self.promptIDs(t, vocab: vocab)
                    let s = Date()
                    llm.forward(tokens: ids, sequence: Array(repeating: 0, count: t), position: Array(0..<t),
                                logitRows: [t - 1], logits: logits, threads: n)
                    best = max(best, Double(t) / Date().timeIntervalSince(s))
                }
                ours.prefill[t] = best
                progress("threads \(n): ours prefill \(t): \(String(format: "%.1f", best)) tok/s")
            }
            ours.decode = decodeSpeed(llm, rows: 1, threads: n, logits: logits)
            ours.decodeRows = decodeSpeed(llm, rows: beams, threads: n, logits: logits)
            if n > 1 {
                Parallel.spinningTeamEnabled = false
                ours.decodeWithoutTeam = decodeSpeed(llm, rows: 1, threads: n, logits: logits)
                Parallel.spinningTeamEnabled = true
            }
            progress("threads \(n): ours decode \(String(format: "%.1f", ours.decode)) tok/s, \(beams) rows \(String(format: "%.1f", ours.decodeRows)) rows/s")
            let rss = Self.residentMiB()
            var theirs: Side?
            if note == nil, let script {
                do {
                    theirs = try llamacpp(script: script, url: url, threads: n, lengths: lengths, vocab: vocab)
                } catch {
                    note = "\(error)"
                }
            }
            bwModel[n] = Self.streamBandwidth(bytes: llm.weightBytesPerToken, threads: n)
            bwDRAM[n] = Self.streamBandwidth(bytes: 1 << 30, threads: n)
            rows.append(Row(threads: n, ours: ours, llamacpp: theirs, ourRSSMiB: rss))
        }
        let report = Report(file: url.path, tensorBytes: llm.tensorBytes, weightBytesPerToken: llm.weightBytesPerToken,
                            bandwidthModelSizeGBs: bwModel, bandwidthDRAMGBs: bwDRAM, rows: rows, llamacppNote: note)
        if json {
            let enc = JSONEncoder()
            enc.outputFormatting = [.sortedKeys]
            print(String(decoding: try enc.encode(report), as: UTF8.self))
        } else {
            printTable(report, lengths: lengths)
        }
    }

    private func progress(_ s: String) {
        FileHandle.standardError.write(Data((s + "\n").utf8))
    }

    /// Rows/s of `decode` steps of `rows` sequences after an 8-token prompt each (greedy).
    private func decodeSpeed(_ llm: QuantizedLlama, rows: Int, threads: Int, logits: UnsafeMutablePointer<Float>) -> Double {
        let vocab = llm.config.vocab, prompt = 8
        var best = 0.0
        for _ in 0..<repeats {
            llm.reset(sequences: rows, capacity: prompt + decode + 1)
            var next = [Int32](repeating: 0, count: rows)
            for s in 0..<rows {
                let ids = Self.promptIDs(prompt + s, vocab: vocab).suffix(prompt)
                llm.forward(tokens: Array(ids), sequence: Array(repeating: s, count: prompt), position: Array(0..<prompt),
                            logitRows: [prompt - 1], logits: logits, threads: threads)
                next[s] = Self.argmax(logits, vocab)
            }
            let start = Date()
            for step in 0..<decode {
                llm.forward(tokens: next, sequence: Array(0..<rows), position: Array(repeating: prompt + step, count: rows),
                            logitRows: Array(0..<rows), logits: logits, threads: threads)
                for s in 0..<rows { next[s] = Self.argmax(logits + s * vocab, vocab) }
            }
            best = max(best, Double(decode * rows) / Date().timeIntervalSince(start))
        }
        return best
    }

    static func argmax(_ p: UnsafePointer<Float>, _ n: Int) -> Int32 {
        var (bi, bv) = (0, -Float.infinity)
        for i in 0..<n where p[i] > bv { (bi, bv) = (i, p[i]) }
        return Int32(bi)
    }

    /// VmRSS of this process in MiB (the mapped weights it touched, caches, scratch).
    static func residentMiB() -> Double {
        guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = s.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kb / 1024
    }

    /// GB/s of summing a `bytes` buffer of floats over `threads` cores (best of 3 passes after
    /// one to fault it in): what streaming the weights could reach.
    static func streamBandwidth(bytes: Int, threads: Int) -> Double {
        let n = bytes / 4
        let buf = UnsafeMutablePointer<Float>.allocate(capacity: n)
        defer { buf.deallocate() }
        buf.initialize(repeating: 1, count: n)
        var best = 0.0
        for pass in 0..<4 {
            let start = Date()
            let parts = max(1, threads)
            let sink = UnsafeMutablePointer<Float>.allocate(capacity: parts)
            Parallel.forEach(parts == 1 ? 1 : parts, workPerItem: n) { range in
                for part in range {
                    let lo = n * part / parts, hi = n * (part + 1) / parts
                    sink[part] = VectorMath.sum(buf + lo, hi - lo)
                }
            }
            sink.deallocate()
            if pass > 0 { best = max(best, Double(bytes) / Date().timeIntervalSince(start) / 1e9) }
        }
        return best
    }

    static func locateScript() -> URL? {
        let relative = "Tools/reference/bench_llamacpp.py"
        let sourceRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for root in [URL(fileURLWithPath: FileManager.default.currentDirectoryPath), sourceRoot] {
            let url = root.appendingPathComponent(relative)
            if FileManager.default.fileExists(atPath: url.path) { return url }
        }
        return nil
    }

    private struct LlamaReport: Codable {
        struct Prefill: Codable { var tokens: Int; var tokens_per_s: Double }
        struct Rows: Codable { var rows: Int; var tokens_per_s: Double }
        var error: String?
        var prefill: [Prefill]?
        var decode: Double?
        var decode_rows: Rows?
    }

    private func llamacpp(script: URL, url: URL, threads: Int, lengths: [Int], vocab: Int) throws -> Side? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = [script.path, "--model", url.path, "--threads", "\(threads)", "--prefill", lengths.map(String.init).joined(separator: ","),
                       "--decode", "\(decode)", "--beams", "\(beams)", "--repeats", "\(repeats)", "--vocab", "\(vocab)"]
        p.environment = ProcessInfo.processInfo.environment.merging(["OMP_NUM_THREADS": "\(threads)"]) { $1 }
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { throw BenchError("cannot run \(python): \(error)") }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw BenchError("bench_llamacpp.py exited with status \(p.terminationStatus)") }
        let r = try JSONDecoder().decode(LlamaReport.self, from: data)
        if let e = r.error { throw BenchError(e) }
        var side = Side()
        for x in r.prefill ?? [] { side.prefill[x.tokens] = x.tokens_per_s }
        side.decode = r.decode ?? 0
        side.decodeRows = r.decode_rows?.tokens_per_s ?? 0
        progress("threads \(threads): llama.cpp decode \(String(format: "%.1f", side.decode)) tok/s")
        return side
    }

    private func printTable(_ r: Report, lengths: [Int]) {
        print("model \(r.file)")
        print(String(format: "tensor bytes %.1f MB; weights read per decoded token %.1f MB (%.2f× the tensor bytes)",
                     Double(r.tensorBytes) / 1e6, Double(r.weightBytesPerToken) / 1e6,
                     Double(r.weightBytesPerToken) / Double(r.tensorBytes)))
        if let note = r.llamacppNote { print("llama.cpp: \(note)") }
        print("")
        let header = ["threads", "measure", "ours tok/s", "llama.cpp tok/s", "ours/llama.cpp"]
        var table: [[String]] = []
        for row in r.rows {
            func add(_ name: String, _ a: Double, _ b: Double?) {
                let bs = b.map { String(format: "%.1f", $0) } ?? "—"
                let ratio = b.flatMap { $0 > 0 ? String(format: "%.2f", a / $0) : nil } ?? "—"
                table.append(["\(row.threads)", name, String(format: "%.1f", a), bs, ratio])
            }
            for t in lengths { add("prefill \(t)", row.ours.prefill[t] ?? 0, row.llamacpp?.prefill[t]) }
            add("decode 1 row", row.ours.decode, row.llamacpp?.decode)
            add("decode \(beams) rows", row.ours.decodeRows, row.llamacpp?.decodeRows)
            if let pool = row.ours.decodeWithoutTeam { add("decode 1 row, no spinning team", pool, row.llamacpp?.decode) }
        }
        let widths = (0..<header.count).map { c in ([header] + table).map { $0[c].count }.max()! }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { c, s in c < 2 ? s.padding(toLength: widths[c], withPad: " ", startingAt: 0)
                : String(repeating: " ", count: widths[c] - s.count) + s }.joined(separator: "  ")
        }
        print(line(header))
        for t in table { print(line(t)) }
        print("")
        for row in r.rows {
            let achieved = Double(r.weightBytesPerToken) * row.ours.decode / 1e9
            let cacheBW = r.bandwidthModelSizeGBs[row.threads] ?? 0, dram = r.bandwidthDRAMGBs[row.threads] ?? 0
            print(String(format: "threads %d: decode reads %.1f GB/s of weights; streaming reads here: %.1f GB/s over a buffer the model's size (cache-resident), %.1f GB/s over 1 GB (DRAM) → decode at %.0f%% of the model-size stream; resident memory %.0f MiB",
                         row.threads, achieved, cacheBW, dram, cacheBW > 0 ? 100 * achieved / cacheBW : 0, row.ourRSSMiB))
        }
    }
}
