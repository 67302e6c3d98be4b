import Foundation
import NN
import Tensor
import UserLLM
import XCTest

/// Decoding only the live beams: rows that come and go still give the training forward's
/// logits, the constrained search ranks exactly as a reference search that scores every
/// hypothesis by a full forward, its FLOPs count the rows it ran, and a step allocates nothing.
final class LiveRowsTests: XCTestCase {
    private func maxRelativeError(_ a: UnsafePointer<Float>, _ b: [Float]) -> Float {
        b.indices.map { abs(a[$0] - b[$0]) / max(1, abs(b[$0])) }.max() ?? 0
    }

    private func fullLogits(_ model: LanguageModel, _ prompt: GenerationPrompt, _ continuation: [Int32]) -> [Float] {
        InferenceFixtures.lastLogits(model, prompt, continuation)
    }

    /// Rows shrink (beams finish), grow back (a finished beam displaced) and branch from
    /// one parent; every row's logits equal the full forward of its own sequence, to 1e-5.
    func testRowsThatComeAndGoEqualTheTrainingForward() {
        for crossAttention in [true, false] {
            let model = InferenceFixtures.model(crossAttention: crossAttention, seed: 51)
            let prompt = InferenceFixtures.prompt(model, tokens: [0, 5, 7, 2], seed: 52)
            let decoder = IncrementalDecoder(model: model)
            decoder.start(capacity: 20, user: prompt.user, userLength: prompt.userLength)
            decoder.reserve(rows: 4)
            _ = decoder.prefill(tokens: prompt.tokens, prefix: prompt.prefix, prefixLength: prompt.prefixLength)
            var histories: [[Int32]] = [[]]
            let plan: [(sources: [Int], tokens: [Int32])] = [
                ([0, 0, 0, 0], [3, 4, 9, 1]), ([3, 1], [2, 6]), ([1], [8]), ([0, 0, 0], [5, 11, 12]), ([2, 0], [7, 7]),
            ]
            for (sources, tokens) in plan {
                decoder.reorder(sources)
                histories = sources.map { histories[$0] }
                for r in histories.indices { histories[r].append(tokens[r]) }
                let logits = decoder.step(tokens)
                XCTAssertEqual(decoder.rows, sources.count)
                for r in histories.indices {
                    XCTAssertLessThan(maxRelativeError(logits.pointer + r * model.config.vocabSize,
                                                       fullLogits(model, prompt, histories[r])), 1e-5,
                                      "xattn \(crossAttention) row \(r) after \(histories[r])")
                }
            }
            XCTAssertEqual(decoder.length, 3 + 4 + plan.count)
        }
    }

    /// A pass feeding rows several tokens (2, 1 and 3 here) gives, at every position, the
    /// training forward's logits of that prefix, to 1e-5 — and then single steps go on from
    /// rows of different lengths.
    func testSeveralTokensPerRowInOnePassEqualTheTrainingForward() {
        for crossAttention in [true, false] {
            let model = InferenceFixtures.model(crossAttention: crossAttention, seed: 53)
            let prompt = InferenceFixtures.prompt(model, tokens: [4, 1, 9], seed: 54)
            let v = model.config.vocabSize
            let decoder = IncrementalDecoder(model: model)
            decoder.start(capacity: 16, user: prompt.user, userLength: prompt.userLength)
            decoder.reserve(rows: 3)
            _ = decoder.prefill(tokens: prompt.tokens, prefix: prompt.prefix, prefixLength: prompt.prefixLength)
            decoder.expand(to: 3)
            let feeds: [[Int32]] = [[3, 8], [5], [12, 2, 7]]
            let logits = decoder.step(feeds.flatMap { $0 }, counts: feeds.map(\.count))
            XCTAssertEqual(logits.shape, [6, v])
            var position = 0
            for feed in feeds {
                for j in feed.indices {
                    XCTAssertLessThan(maxRelativeError(logits.pointer + position * v, fullLogits(model, prompt, Array(feed[...j]))),
                                      1e-5, "xattn \(crossAttention) \(feed[...j])")
                    position += 1
                }
            }
            decoder.reorder([2, 0])
            let next = decoder.step([6, 6])
            for (r, history) in [feeds[2] + [6], feeds[0] + [6]].enumerated() {
                XCTAssertLessThan(maxRelativeError(next.pointer + r * v, fullLogits(model, prompt, history)), 1e-5)
            }
        }
    }

    /// A decoder reused for a prompt needing more room (longer answers, more rows) grows
    /// every buffer and decodes exactly as a fresh one.
    func testReusedDecoderGrowsForALongerSearch() {
        let model = InferenceFixtures.model(seed: 55)
        let prompt = InferenceFixtures.prompt(model, tokens: [2, 7], seed: 56)
        let reused = IncrementalDecoder(model: model), fresh = IncrementalDecoder(model: model)
        reused.start(capacity: 8, user: prompt.user, userLength: prompt.userLength)
        reused.reserve(rows: 2)
        _ = reused.prefill(tokens: prompt.tokens, prefix: prompt.prefix, prefixLength: prompt.prefixLength)
        reused.expand(to: 2)
        _ = reused.step([1, 2], counts: [1, 1])
        for decoder in [reused, fresh] {
            decoder.start(capacity: 30, user: prompt.user, userLength: prompt.userLength)
            decoder.reserve(rows: 5)
            _ = decoder.prefill(tokens: prompt.tokens, prefix: prompt.prefix, prefixLength: prompt.prefixLength)
            decoder.expand(to: 5)
        }
        let feeds: [Int32] = (0..<40).map { Int32(1 + $0 % 12) }
        let a = reused.step(feeds, counts: [8, 8, 8, 8, 8]).scalars
        XCTAssertEqual(a, fresh.step(feeds, counts: [8, 8, 8, 8, 8]).scalars)
        reused.reorder([4, 0, 2])
        fresh.reorder([4, 0, 2])
        XCTAssertEqual(reused.step([3, 4, 5], counts: [1, 1, 1]).scalars, fresh.step([3, 4, 5], counts: [1, 1, 1]).scalars)
    }

    /// The search as it was specified before rows were shrunk: every hypothesis scored by a
    /// full forward of its tokens; candidates are the finished beams then each live beam's
    /// allowed trie edges, sorted by score (stable), the best `k` kept. Also returns the live
    /// beams of each step (the rows a decoder must run).
    private func referenceSearch(_ model: LanguageModel, _ prompt: GenerationPrompt, trie: AnswerTrie,
                                 mask: AnswerTrie.AnswerMask?, k: Int) -> (answers: [([Int32], Double)], live: [Int]) {
        struct Hyp { var tokens: [Int32]; var logProb: Double; var finished: Bool; var node: Int }
        var beam = [Hyp(tokens: [], logProb: 0, finished: false, node: AnswerTrie.root)]
        var live: [Int] = []
        while true {
            var candidates = beam.filter(\.finished)
            for h in beam where !h.finished {
                let lp = InferenceFixtures.logProbs(model, prompt, continuation: h.tokens).last!
                let edges = trie.edges(from: h.node)
                for (token, child) in zip(edges.tokens, edges.children) where mask?.allows(node: Int(child)) ?? true {
                    candidates.append(Hyp(tokens: h.tokens + [token], logProb: h.logProb + Double(lp[Int(token)]),
                                          finished: !trie.answers(at: Int(child)).isEmpty, node: Int(child)))
                }
            }
            let order = candidates.indices.sorted {
                candidates[$0].logProb != candidates[$1].logProb ? candidates[$0].logProb > candidates[$1].logProb : $0 < $1
            }
            beam = order.prefix(k).map { candidates[$0] }
            if beam.allSatisfy(\.finished) { break }
            live.append(beam.filter { !$0.finished }.count)
        }
        return (beam.map { ($0.tokens, $0.logProb) }, live)
    }

    /// Random answers over tokens 1…12 (end token 0), lengths 1–6, with shared prefixes.
    private func randomTrie(seed: UInt64, answers: Int) -> AnswerTrie {
        var gen = SeededGenerator(seed: seed)
        var sequences: [[Int32]] = []
        while sequences.count < answers {
            let stem = sequences.isEmpty || gen.next() % 2 == 0 ? [] : Array(sequences[Int(gen.next() % UInt64(sequences.count))].dropLast().prefix(2))
            let extra = (0..<(1 + Int(gen.next() % 4))).map { _ in Int32(1 + gen.next() % 12) }
            let s = stem + extra + [0]
            if !sequences.contains(s) { sequences.append(s) }
        }
        return AnswerTrie(sequences: sequences)
    }

    /// With pruning (K below the number of answers), the live-rows search returns the
    /// reference's answers in the same order with the same log-probabilities, and its FLOPs
    /// are the prefill plus one step per search step over exactly the live beams.
    func testConstrainedSearchRanksAsTheFullForwardReference() {
        var skipped = 0, savedPasses = 0
        for (seed, k) in [(61, 3), (62, 4), (63, 6), (64, 2)] as [(UInt64, Int)] {
            let model = InferenceFixtures.model(seed: seed)
            let prompt = InferenceFixtures.prompt(model, tokens: [12, 3, Int32(seed % 10)], seed: seed)
            let trie = randomTrie(seed: seed, answers: 24)
            let excluded: Set<Int32> = [Int32(seed % 24), 5, 17]
            let mask = AnswerTrie.AnswerMask(trie: trie, excluding: excluded)
            let generator = Generator(model: model)
            let ranked = generator.constrainedBeamSearch(prompt, trie: trie, mask: mask, config: BeamSearchConfig(beams: k))
            let reference = referenceSearch(model, prompt, trie: trie, mask: mask, k: k)
            XCTAssertEqual(ranked.map(\.tokens), reference.answers.map(\.0), "seed \(seed) k \(k)")
            for (r, e) in zip(ranked, reference.answers) { XCTAssertEqual(r.logProb, e.1, accuracy: 1e-4) }

            // All 5 user rows are projected; only the 4 real ones are attended to.
            let c = model.config, m = 4, positions = prompt.positions
            var expected = FLOPs.crossAttentionContext(c, userRows: 5)
                + FLOPs.languageModel(c, batch: 1, newTokens: positions, userRows: m, logitsRows: 1)
            for (s, n) in reference.live.enumerated() {
                expected += FLOPs.languageModel(c, batch: n, newTokens: 1, pastTokens: positions + s, userRows: m, logitsRows: n)
            }
            let stats = generator.lastStats
            XCTAssertEqual(stats.flops, expected, "seed \(seed): FLOPs of the rows actually run")
            XCTAssertEqual(stats.steps, reference.live.count)
            XCTAssertEqual(stats.rowSteps, reference.live.reduce(0, +))
            skipped += k * stats.steps - stats.rowSteps
            savedPasses += stats.steps - stats.passes
            XCTAssertLessThanOrEqual(stats.passes, stats.steps)
        }
        XCTAssertGreaterThan(skipped, 0, "some beams finished early, and their rows were not run")
        XCTAssertGreaterThan(savedPasses, 0, "some stretches with one way on were fed in one pass")
    }

    /// Once the buffers fit (a first pass of the same shapes), decoding steps — reorders
    /// included — make no heap allocation at all: no Tensor, no Storage, no array, no
    /// closure box. The tiny preset's LLM (d 64, vocab 512): its products are big enough to
    /// split across the cores, so the parallel loops are counted too.
    func testDecodingStepsAllocateNothingAfterWarmUp() throws {
        guard AllocationCounter.isAvailable else { throw XCTSkip("this Swift runtime has no allocation hook") }
        var config = LanguageModelConfig.tiny
        config.crossAttention = true
        let model = LanguageModel(config: config, seed: 71)
        let prompt = InferenceFixtures.prompt(model, tokens: [1, 2, 3, 4], seed: 72)
        let decoder = IncrementalDecoder(model: model)
        let plan: [(sources: [Int], tokens: [Int32])] = [
            ([0, 0, 0, 0], [3, 4, 9, 1]), ([3, 1, 0], [2, 6, 1]), ([1, 2], [8, 4]), ([0, 0, 1, 1], [5, 11, 12, 3]),
            ([2, 0], [7, 7]), ([1], [9]), ([0], [10]), ([0], [11]),
        ]
        _ = InferenceFixtures.stepAllocations(decoder, prompt, plan, capacity: 24)
        XCTAssertEqual(InferenceFixtures.stepAllocations(decoder, prompt, plan, capacity: 24), 0,
                       "heap allocations over \(plan.count) decoding steps")
        // The counter works: the prefill allocates (its ops return fresh tensors).
        decoder.start(capacity: 24, user: prompt.user, userLength: prompt.userLength)
        XCTAssertGreaterThan(AllocationCounter.counting {
            _ = decoder.prefill(tokens: prompt.tokens, prefix: prompt.prefix, prefixLength: prompt.prefixLength)
        }!, 0)
    }

    /// A whole constrained search allocates the same whatever its number of steps (prompt,
    /// prefill and the returned answers only): its hypotheses, candidates and paths reuse
    /// their buffers. Two tries of 8 answers, 2 and 9 tokens long.
    func testSearchAllocationsDoNotGrowWithTheAnswerLength() throws {
        guard AllocationCounter.isAvailable else { throw XCTSkip("this Swift runtime has no allocation hook") }
        let model = InferenceFixtures.model(seed: 81)
        let prompt = InferenceFixtures.prompt(model, tokens: [1, 2, 3], seed: 82)
        let short = AnswerTrie(sequences: (1...8).map { [Int32($0), 0] })
        let long = AnswerTrie(sequences: (1...8).map { a in [Int32(a)] + [Int32](repeating: Int32(a % 3 + 9), count: 7) + [0] })
        let generator = Generator(model: model)
        func count(_ trie: AnswerTrie) -> (allocations: Int, steps: Int) {
            let n = AllocationCounter.counting {
                _ = generator.constrainedBeamSearch(prompt, trie: trie, config: BeamSearchConfig(beams: 3))
            }!
            return (n, generator.lastStats.steps)
        }
        // Warm-up outside the counter: buffers grow to both searches' sizes, statics initialise.
        for trie in [long, short] { _ = generator.constrainedBeamSearch(prompt, trie: trie, config: BeamSearchConfig(beams: 3)) }
        let (s, l) = (count(short), count(long))
        XCTAssertEqual(s.steps, 1)
        XCTAssertEqual(l.steps, 8)
        XCTAssertEqual(l.allocations, s.allocations, "7 more steps, \(l.allocations - s.allocations) more allocations")
    }
}
