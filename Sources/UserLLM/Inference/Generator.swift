import Foundation
import Tensor

/// Decodes answers from a `LanguageModel` without the autograd tape: greedy, sampling,
/// beam search, and beam search constrained to an `AnswerTrie` (see
/// `Generator+Constrained.swift`). Beams of one prompt run as one batch per step; the
/// user's cross-attention keys and values are projected once per prompt, and only live
/// beams are decoded (a finished one keeps its slot but needs no forward pass).
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
    /// Called with each token `sample`/`greedy` keeps, as soon as it is chosen (a CLI streams
    /// the text as it comes).
    public var onToken: ((Int32) -> Void)?
    var scores: TokenScores
    /// Hypotheses, candidates and token paths, reused by every search.
    var work = BeamWorkspace()
    /// One row's best tokens (unconstrained beams), reused.
    var best: [(token: Int32, logProb: Float)] = []

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
        var logits = UnsafePointer(decoder.prefill(tokens: prompt.tokens, prefix: prompt.prefix,
                                                   prefixLength: prompt.prefixLength).pointer)
        stats.prefillSeconds = clock.lap()
        var rng = SeededGenerator(seed: config.seed)
        var out: [Int32] = []
        out.reserveCapacity(maxNewTokens)
        var logProb = 0.0
        var finished = false
        let v = model.config.vocabSize
        while out.count < maxNewTokens, shouldStop?() != true {
            let token = config.temperature <= 0
                ? TokenScores.argmax(logits, v)
                : scores.sample(logits, config: config, generator: &rng)
            scores.logSoftmax(logits)
            logProb += Double(scores.logProbs[Int(token)])
            if stopTokens.contains(token) { finished = true; break }
            out.append(token)
            onToken?(token)
            if out.count == maxNewTokens { break }
            logits = withUnsafePointer(to: token) { t in
                withUnsafePointer(to: 1) { one in
                    decoder.pass(UnsafeBufferPointer(start: t, count: 1), counts: UnsafeBufferPointer(start: one, count: 1))
                }
            }
            stats.steps += 1
            stats.passes += 1
            stats.rowSteps += 1
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
        var logits = UnsafePointer(decoder.prefill(tokens: prompt.tokens, prefix: prompt.prefix,
                                                   prefixLength: prompt.prefixLength).pointer)
        stats.prefillSeconds = clock.lap()
        work.reset(beams: k, maxLength: maxNewTokens, maxPositions: decoder.maxPassPositions)
        let v = model.config.vocabSize
        for step in 0..<maxNewTokens where shouldStop?() != true {
            work.carryFinished()
            for (i, h) in work.beam.enumerated() where !h.finished {
                scores.logSoftmax(logits + h.logitsRow * v)
                scores.top(k, into: &best)
                for (token, lp) in best {
                    let stop = stopTokens.contains(token)
                    let logProb = h.logProb + Double(lp)
                    // Out of budget without a stop token: the hypothesis ends as it is.
                    let done = stop || step == maxNewTokens - 1
                    let length = h.length + 1  // the stop token counts in the score's length
                    work.candidates.append(.init(parent: i, token: stop ? -1 : token, logProb: logProb,
                                                 score: config.score(logProb: logProb, length: length),
                                                 finished: done, stopped: stop, node: 0))
                }
            }
            work.select(k)
            if work.allFinished { break }
            // Any token may follow: nothing is known ahead, one token per live beam.
            logits = advance(&stats, forced: { _ in nil }, completes: { _ in false })
        }
        stats.decodeSeconds = clock.lap()
        stats.generatedTokens = work.beam.first?.length ?? 0
        finish(&stats)
        return work.beam.map {
            Generation(tokens: work.tokens(of: $0), logProb: $0.logProb, score: $0.score, finished: $0.stopped)
        }
    }

    // MARK: - Shared by the decoding loops

    /// One search step for the decoder: when the live hypotheses' logits are not computed
    /// yet, a pass runs them — each on its parent's row, a finished one on none — fed their
    /// token and the stretch after it that is already decided (`BeamWorkspace.planPass`).
    /// Returns the logits the beam's `logitsRow`s point into.
    func advance(_ stats: inout GenerationStats, current: UnsafePointer<Float>? = nil,
                 forced: (Int) -> (token: Int32, node: Int)?, completes: (Int) -> Bool) -> UnsafePointer<Float> {
        stats.steps += 1
        if let current, !work.needsPass { return current }
        let n = work.planPass(maxPositions: decoder.maxPassPositions, forced: forced, completes: completes)
        let positions = work.counts[0..<n].reduce(0, +)
        let logits = work.sources.withUnsafeBufferPointer { sources in
            work.counts.withUnsafeBufferPointer { counts in
                work.feed.withUnsafeBufferPointer { feed in
                    decoder.reorder(UnsafeBufferPointer(rebasing: sources[0..<n]))
                    return decoder.pass(UnsafeBufferPointer(rebasing: feed[0..<positions]),
                                        counts: UnsafeBufferPointer(rebasing: counts[0..<n]))
                }
            }
        }
        stats.passes += 1
        stats.rowSteps += positions
        return logits
    }

    func begin(_ prompt: GenerationPrompt, newTokens: Int, rows: Int) -> GenerationStats {
        decoder.start(capacity: prompt.positions + newTokens + 1, user: prompt.user, userLength: prompt.userLength)
        decoder.reserve(rows: rows)
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
