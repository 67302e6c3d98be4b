import XCTest
import NN
import Tensor
import UserLLM

/// The quantised-weight decoder on the real SmolLM2-135M file: prefill (dequantise + sgemm,
/// batched attention) against token-by-token decoding (block kernels, KV cache), and
/// against llama.cpp's greedy continuation (a fixture recorded with xllamacpp, token ids
/// and log-probabilities only). Skips without the model file, except under CI=true.
final class QuantizedLlamaTests: XCTestCase {
    /// "The capital of France is Paris, but it's also the" (ids from llama.cpp's tokenizer).
    static let prompt: [Int32] = [504, 3575, 282, 4649, 314, 7042, 28, 564, 357, 506, 597, 260]
    /// llama.cpp's greedy continuation of `prompt` (30 tokens) and its log-probabilities.
    static let continuation: [Int32] = [3575, 282, 260, 3432, 5261, 30, 198, 198, 504, 3575, 282, 260, 1797, 1918, 314,
                                        1315, 2863, 4206, 28, 564, 357, 506, 597, 260, 3575, 282, 260, 1797, 1918, 30]
    static let logprobs: [Float] = [-0.5611, -0.0163, -0.882, -2.0038, -1.1899, -0.4832, -1.5664, -0.3852, -1.8951, -1.9088,
                                    -0.2141, -1.4169, -1.2501, -0.3841, -0.188, -0.1579, -0.0023, -0.0555, -0.4652, -1.023,
                                    -0.1863, -0.0099, -0.0582, -0.0719, -0.0045, -0.002, -0.2183, -0.5487, -0.1708, -0.4722]

    private func modelURL() throws -> URL { try SmolLM2TestModel.url() }

    private func logSoftmax(_ p: UnsafePointer<Float>, _ n: Int, at i: Int) -> Float {
        let (m, logSum) = VectorMath.logSumExp(p, n)
        return p[i] - m - logSum
    }

    func testPrefillEqualsStepwiseDecodingAndFollowsLlamaCpp() throws {
        let llm = try QuantizedLlama(url: try modelURL())
        let c = llm.config
        XCTAssertEqual([c.layers, c.dModel, c.hidden, c.heads, c.kvHeads, c.vocab], [30, 576, 1536, 9, 3, 49152])
        XCTAssertLessThanOrEqual(Double(llm.weightBytesPerToken), 1.3 * Double(llm.tensorBytes))
        let tokens = Self.prompt + Self.continuation.dropLast()  // 41 rows: the 2-row tiles' odd edge
        let n = tokens.count, vocab = c.vocab
        var batched = [Float](repeating: 0, count: n * vocab), stepwise = batched
        llm.reset(sequences: 1, capacity: n)
        llm.forward(tokens: tokens, sequence: Array(repeating: 0, count: n), position: Array(0..<n),
                    logitRows: Array(0..<n), logits: &batched, threads: 2)
        llm.reset(sequences: 1, capacity: n)
        for t in 0..<n {
            stepwise.withUnsafeMutableBufferPointer { p in
                llm.forward(tokens: [tokens[t]], sequence: [0], position: [t], logitRows: [0], logits: p.baseAddress! + t * vocab, threads: 1)
            }
        }
        for t in 0..<n {
            let row = t * vocab
            let scale = (0..<vocab).map { abs(stepwise[row + $0]) }.max()!
            let worst = (0..<vocab).map { abs(batched[row + $0] - stepwise[row + $0]) }.max()!
            XCTAssertLessThan(worst, 1e-4 * scale, "position \(t)")
        }
        // llama.cpp quantises activations to 8 bits, we do not: loose agreement.
        var agree = 0
        for (i, expected) in Self.continuation.enumerated() {
            let t = Self.prompt.count - 1 + i
            let row = stepwise.withUnsafeBufferPointer { Array($0[(t * vocab)..<((t + 1) * vocab)]) }
            let best = row.indices.max { row[$0] < row[$1] }!
            if best == Int(expected) { agree += 1 }
            let lp = row.withUnsafeBufferPointer { logSoftmax($0.baseAddress!, vocab, at: Int(expected)) }
            XCTAssertLessThan(abs(lp - Self.logprobs[i]), 1, "position \(t): log p(\(expected)) \(lp) vs llama.cpp \(Self.logprobs[i])")
        }
        XCTAssertGreaterThanOrEqual(agree, 27, "greedy tokens agreeing with llama.cpp: \(agree) of \(Self.continuation.count)")
    }

    /// Decoding on 2 threads (a spinning team splits each product by output rows) gives the
    /// 1-thread logits bit for bit: each output is still one thread's sum in one order.
    func testDecodingOnTwoThreadsEqualsOneThreadExactly() throws {
        let llm = try QuantizedLlama(url: try modelURL())
        let tokens = Self.prompt + Self.continuation.prefix(20), vocab = llm.config.vocab
        func decode(threads: Int, rows: Int) -> [Float] {
            llm.reset(sequences: rows, capacity: tokens.count)
            var out = [Float](repeating: 0, count: rows * vocab)
            for (t, token) in tokens.enumerated() {
                llm.forward(tokens: Array(repeating: token, count: rows), sequence: Array(0..<rows),
                            position: Array(repeating: t, count: rows), logitRows: Array(0..<rows), logits: &out,
                            threads: threads)
            }
            return out
        }
        for rows in [1, 3] {
            XCTAssertEqual(decode(threads: 2, rows: rows), decode(threads: 1, rows: rows), "\(rows) rows")
        }
    }

    /// Beams: rows of different sequences in one step equal each sequence decoded alone.
    func testRowsOfSeveralSequencesMatchSingleSequenceDecoding() throws {
        let llm = try QuantizedLlama(url: try modelURL())
        let vocab = llm.config.vocab
        let seqs: [[Int32]] = [Array(Self.prompt.prefix(6)), Array(Self.prompt.suffix(6)), Array(Self.continuation.prefix(6))]
        var alone = [[Float]]()
        for s in seqs {
            llm.reset(sequences: 1, capacity: 8)
            var out = [Float](repeating: 0, count: vocab)
            llm.forward(tokens: Array(s.dropLast()), sequence: Array(repeating: 0, count: 5), position: Array(0..<5), logitRows: [], logits: &out, threads: 1)
            llm.forward(tokens: [s[5]], sequence: [0], position: [5], logitRows: [0], logits: &out, threads: 1)
            alone.append(out)
        }
        llm.reset(sequences: 3, capacity: 8)
        for (i, s) in seqs.enumerated() {
            var sink = [Float](repeating: 0, count: vocab)
            llm.forward(tokens: Array(s.dropLast()), sequence: Array(repeating: i, count: 5), position: Array(0..<5), logitRows: [], logits: &sink, threads: 2)
        }
        var together = [Float](repeating: 0, count: 3 * vocab)
        llm.forward(tokens: seqs.map { $0[5] }, sequence: [0, 1, 2], position: [5, 5, 5], logitRows: [0, 1, 2], logits: &together, threads: 2)
        for i in 0..<3 {
            let scale = alone[i].map { abs($0) }.max()!
            for j in 0..<vocab { XCTAssertEqual(together[i * vocab + j], alone[i][j], accuracy: 1e-4 * scale, "sequence \(i)") }
        }
    }

    func testMalformedFilesGiveErrorsNamingTheFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("qllama-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var header = Data("GGUF".utf8)
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { header.append(contentsOf: $0) } }
        func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { header.append(contentsOf: $0) } }
        u32(3); u64(0); u64(1)
        let key = "llama.block_count"
        u64(UInt64(key.utf8.count)); header.append(contentsOf: key.utf8); u32(4)  // value cut off
        let cases: [(String, Data, String)] = [
            ("bad-magic.gguf", Data(("GGML" + String(repeating: "\u{0}", count: 40)).utf8), "not a GGUF file"),
            ("truncated.gguf", header, "truncated"),
            ("empty.gguf", Data(), "truncated"),
        ]
        for (name, data, expected) in cases {
            let url = dir.appendingPathComponent(name)
            try data.write(to: url)
            XCTAssertThrowsError(try QuantizedLlama(url: url)) { error in
                XCTAssertTrue("\(error)".contains(name) && "\(error)".contains(expected), "\(error)")
            }
        }
        // A complete header without the llama keys.
        var minimal = Data("GGUF".utf8)
        withUnsafeBytes(of: UInt32(3)) { minimal.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt64(0)) { minimal.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt64(0)) { minimal.append(contentsOf: $0) }
        minimal.append(Data(count: 16))
        let url = dir.appendingPathComponent("nokeys.gguf")
        try minimal.write(to: url)
        XCTAssertThrowsError(try QuantizedLlama(url: url)) { XCTAssertTrue("\($0)".contains("llama.block_count"), "\($0)") }
    }
}

/// The quantised-weight decoder against the f32 model built from the same file
/// (`PretrainedLLM`: weights dequantised to f32, the training graph) and against the PyTorch
/// golden slice, at every position of the 76-token ChatML fixture. Activations stay f32 on
/// both sides, so only the order of the sums differs: ≤ 1e-4 relative, and the same greedy
/// token everywhere.
final class QuantizedLlamaParityTests: XCTestCase {
    func testLogitsEqualTheF32ModelAtEveryPosition() throws {
        let f32 = try SmolLM2TestModel.model()
        let g = try PretrainedLLMTests.golden()
        XCTAssertGreaterThan(g.ids.count, 30)
        let quantized = try QuantizedLlama(url: try SmolLM2TestModel.url())
        let n = g.ids.count, vocab = quantized.config.vocab
        let reference = Autograd.noGrad { f32.model(tokens: g.ids, batch: 1) }  // (1, T, V)
        XCTAssertEqual(reference.shape, [1, n, vocab])
        var ours = [Float](repeating: 0, count: n * vocab)
        quantized.reset(sequences: 1, capacity: n)
        // Prefill of all but the last token (the sgemm path), then one decoding step (the kernels).
        ours.withUnsafeMutableBufferPointer { p in
            quantized.forward(tokens: Array(g.ids.dropLast()), sequence: Array(repeating: 0, count: n - 1),
                              position: Array(0..<(n - 1)), logitRows: Array(0..<(n - 1)), logits: p.baseAddress!, threads: 2)
            quantized.forward(tokens: [g.ids[n - 1]], sequence: [0], position: [n - 1], logitRows: [0],
                              logits: p.baseAddress! + (n - 1) * vocab, threads: 1)
        }
        var worstRelative: Float = 0
        for t in 0..<n {
            let ref = UnsafeBufferPointer(start: reference.pointer + t * vocab, count: vocab)
            let row = ours[(t * vocab)..<((t + 1) * vocab)]
            let scale = ref.map(abs).max()!
            let diff = zip(row, ref).map { abs($0 - $1) }.max()!
            worstRelative = max(worstRelative, diff / scale)
            XCTAssertLessThan(diff / scale, 1e-4, "position \(t)")
            let a = row.indices.max { row[$0] < row[$1] }! - t * vocab
            let b = ref.indices.max { ref[$0] < ref[$1] }!
            XCTAssertEqual(a, b, "greedy token at position \(t)")
            XCTAssertEqual(Int32(a), g.argmax[t], "PyTorch's greedy token at position \(t)")
            let golden = g.logits[t], goldenScale = golden.map(abs).max()!
            let goldenDiff = zip(g.vocab_ids.map { row[t * vocab + $0] }, golden).map { abs($0 - $1) }.max()!
            XCTAssertLessThan(goldenDiff / goldenScale, 1e-4, "PyTorch golden at position \(t)")
        }
        print("quantized vs f32 model: worst relative logit difference \(worstRelative) over \(n) positions")
    }
}
