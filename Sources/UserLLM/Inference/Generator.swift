import Foundation
import Tensor

/// Decodes answers from a `LanguageModel` without the autograd tape: greedy, sampling,
/// beam search, and beam search constrained to an `AnswerTrie` (see
/// `Generator+Constrained.swift`). Beams of one prompt run as one batch per step; the
/// user's cross-attention keys and values are projected once per prompt.
///
/// Keeps its decoder's caches between calls, so use one Generator per thread and reuse it.
public final class Generator {
    public let model: LanguageModel
    public let decoder: IncrementalDecoder
    /// Statistics of the last call.
    public private(set) var lastStats = GenerationStats()
    /// Asked before each decoding step; true stops the search early with what it has (the
    /// explorer cancels a query whose cut moved on; the caller discards the result).
    public var shouldStop: (() -> Bool)?
    var scores: TokenScores

    public init(model: LanguageModel) {
        self.model = model
        decoder = IncrementalDecoder(model: model)
        scores = TokenScores(vocabSize: model.config.vocabSize)
    }

    /// Most likely token at each step until a stop token or `maxNewTokens`.
    public func greedy(_ prompt: GenerationPrompt, maxNewTokens: Int, stopTokens: Set<Int32>) -> Generation {
        sample(prompt, maxNewTokens: maxNewTokens, stopTokens: stopTokens, config: SamplingConfig(temperature: 0))
    }

    /// Ancestral sampling (temperature, top-k, top-p) from a generator seeded with
    /// `config.seed`; temperature 0 is greedy.
    public func sample(_ prompt: GenerationPrompt, maxNewTokens: Int, stopTokens: Set<Int32>,
                       config: SamplingConfig) -> Generation {
        var stats = begin(prompt, newTokens: maxNewTokens, rows: 1)
        var clock = Stopwatch()
        var logits = decoder.prefill(tokens: prompt.tokens, prefix: prompt.prefix, prefixLength: prompt.prefixLength)
        stats.prefillSeconds = clock.lap()
        var rng = SeededGenerator(seed: config.seed)
        var out: [Int32] = []
        var logProb = 0.0
        var finished = false
        let v = model.config.vocabSize
        while out.count < maxNewTokens, shouldStop?() != true {
            let token = config.temperature <= 0
                ? TokenScores.argmax(logits.pointer, v)
                : scores.sample(logits.pointer, config: config, generator: &rng)
            scores.logSoftmax(logits.pointer)
            logProb += Double(scores.logProbs[Int(token)])
            if stopTokens.contains(token) { finished = true; break }
            out.append(token)
            if out.count == maxNewTokens { break }
            logits = decoder.step([token])
            stats.steps += 1
        }
        stats.decodeSeconds = clock.lap()
        stats.generatedTokens = out.count
        finish(&stats)
        return Generation(tokens: out, logProb: logProb, score: logProb, finished: finished)
    }

    /// Beam search over the whole vocabulary: each step extends every live beam by its
    /// `beams` best tokens and keeps the `beams` best hypotheses, finished ones included
    /// (a hypothesis finishes at a stop token). Returns them best first.
    public func beamSearch(_ prompt: GenerationPrompt, maxNewTokens: Int, stopTokens: Set<Int32>,
                           config: BeamSearchConfig) -> [Generation] {
        let k = config.beams
        var stats = begin(prompt, newTokens: maxNewTokens, rows: k)
        var clock = Stopwatch()
        var logits = decoder.prefill(tokens: prompt.tokens, prefix: prompt.prefix, prefixLength: prompt.prefixLength)
        stats.prefillSeconds = clock.lap()
        var beam = [Hypothesis(row: 0, tokens: [], logProb: 0, score: 0, finished: false)]
        var expanded = false
        let v = model.config.vocabSize
        for step in 0..<maxNewTokens where shouldStop?() != true {
            var candidates = beam.filter(\.finished)
            for h in beam where !h.finished {
                scores.logSoftmax(logits.pointer + h.row * v)
                for (token, lp) in scores.top(k) {
                    let stop = stopTokens.contains(token)
                    let tokens = stop ? h.tokens : h.tokens + [token]
                    let logProb = h.logProb + Double(lp)
                    // Out of budget without a stop token: the hypothesis ends as it is.
                    let done = stop || step == maxNewTokens - 1
                    candidates.append(Hypothesis(row: h.row, tokens: tokens, logProb: logProb,
                                                 score: config.score(logProb: logProb, length: tokens.count + (stop ? 1 : 0)),
                                                 finished: done, stopped: stop, parentRow: h.row, token: token))
                }
            }
            beam = Self.best(candidates, k)
            if beam.allSatisfy(\.finished) { break }
            if !expanded { decoder.expand(to: k); expanded = true }
            logits = advance(&beam, rows: k)
            stats.steps += 1
        }
        stats.decodeSeconds = clock.lap()
        stats.generatedTokens = beam.first?.tokens.count ?? 0
        finish(&stats)
        return beam.map { Generation(tokens: $0.tokens, logProb: $0.logProb, score: $0.score, finished: $0.stopped) }
    }

    // MARK: - Shared by the decoding loops

    struct Hypothesis {
        /// Decoder row holding this hypothesis' cache (live ones only).
        var row: Int
        var tokens: [Int32]
        var logProb: Double
        var score: Double
        var finished: Bool
        var stopped = false
        /// Set on a fresh extension: the row it came from and the token it adds.
        var parentRow = -1
        var token: Int32 = -1
        /// Constrained search: the trie node reached.
        var node = 0
    }

    /// The best `k`, stable on ties (earlier candidates — finished first — win).
    static func best(_ candidates: [Hypothesis], _ k: Int) -> [Hypothesis] {
        let order = candidates.indices.sorted {
            candidates[$0].score != candidates[$1].score ? candidates[$0].score > candidates[$1].score : $0 < $1
        }
        return order.prefix(k).map { candidates[$0] }
    }

    /// Gives each live hypothesis a decoder row, moves the caches to follow their parents,
    /// and runs one batched step. Unused rows repeat row 0's work (their output is ignored).
    func advance(_ beam: inout [Hypothesis], rows: Int) -> Tensor {
        var sources = [Int](repeating: 0, count: rows)
        var tokens = [Int32](repeating: 0, count: rows)
        var next = 0
        for i in beam.indices where !beam[i].finished {
            sources[next] = beam[i].parentRow
            tokens[next] = beam[i].token
            beam[i].row = next
            next += 1
        }
        for r in next..<rows {
            sources[r] = sources[0]
            tokens[r] = tokens[0]
        }
        decoder.reorder(sources)
        return decoder.step(tokens)
    }

    func begin(_ prompt: GenerationPrompt, newTokens: Int, rows: Int) -> GenerationStats {
        decoder.start(capacity: prompt.positions + newTokens + 1, user: prompt.user, userLength: prompt.userLength)
        var stats = GenerationStats()
        stats.promptTokens = prompt.tokens.count
        stats.prefixRows = prompt.prefix?.shape[1] ?? 0
        stats.userRows = prompt.user?.shape[1] ?? 0
        stats.rows = rows
        return stats
    }

    func finish(_ stats: inout GenerationStats) {
        stats.flops = decoder.flops
        lastStats = stats
    }
}

/// Wall-clock laps for the statistics.
struct Stopwatch {
    private var last = DispatchTime.now().uptimeNanoseconds
    mutating func lap() -> Double {
        let now = DispatchTime.now().uptimeNanoseconds
        defer { last = now }
        return Double(now - last) / 1e9
    }
}
