import Foundation
import NN
import Tensor
import Timelines
import UserLLM
import XCTest

final class BeamSearchTests: XCTestCase {
    /// 12 answers over tokens 1...11, each ending with the end token 0; some share prefixes,
    /// 2 and 9 are duplicates (one node, two answers).
    private let sequences: [[Int32]] = [
        [3, 0], [3, 4, 0], [3, 4, 5, 0], [3, 7, 0], [6, 0], [6, 8, 9, 0], [6, 8, 10, 0], [11, 2, 0],
        [11, 2, 4, 4, 0], [3, 4, 5, 0], [1, 0], [9, 9, 9, 9, 9, 0],
    ]

    /// With K ≥ the number of answers nothing is pruned, so the beams are every (allowed)
    /// answer ranked by log p under the model: compare with scoring each by a full forward.
    func testExhaustiveBeamsRankEveryAllowedAnswerExactly() {
        let model = InferenceFixtures.model(seed: 11)
        let prompt = InferenceFixtures.prompt(model, tokens: [12, 5, 6], seed: 12)
        let trie = AnswerTrie(sequences: sequences)
        let generator = Generator(model: model)
        for excluded in [Set<Int32>(), [1, 4, 9, 10], [2]] {
            let mask = AnswerTrie.AnswerMask(trie: trie, excluding: excluded)
            let ranked = generator.constrainedBeamSearch(prompt, trie: trie, mask: mask, config: BeamSearchConfig(beams: 12))
            // Distinct allowed sequences (the duplicate pair counts once unless both masked).
            var expected: [([Int32], Double)] = []
            for (i, s) in sequences.enumerated() where !excluded.contains(Int32(i)) && !expected.contains(where: { $0.0 == s }) {
                expected.append((s, InferenceFixtures.sequenceLogProb(model, prompt, s)))
            }
            expected.sort { $0.1 > $1.1 }
            XCTAssertEqual(ranked.map(\.tokens), expected.map(\.0), "excluding \(excluded)")
            for (r, e) in zip(ranked, expected) { XCTAssertEqual(r.logProb, e.1, accuracy: 1e-4) }
            for r in ranked {
                XCTAssertFalse(r.answers.isEmpty)
                for a in r.answers {
                    XCTAssertEqual(sequences[Int(a)], r.tokens)
                    XCTAssertFalse(excluded.contains(a), "masked answer \(a) returned")
                }
            }
            XCTAssertEqual(Set(ranked.first { $0.tokens == [3, 4, 5, 0] }?.answers ?? []),
                           Set([2, 9].filter { !excluded.contains($0) }))
        }
    }

    /// Beam width 1 is greedy decoding that follows only trie edges (reference: the full
    /// forward, picking the best allowed token at each step).
    func testOneBeamIsGreedyWithinTheTrie() {
        let trie = AnswerTrie(sequences: sequences)
        for seed: UInt64 in [21, 22, 23, 24] {
            let model = InferenceFixtures.model(seed: seed)
            let prompt = InferenceFixtures.prompt(model, tokens: [12, Int32(seed % 10)], seed: seed)
            var node = AnswerTrie.root
            var path: [Int32] = []
            while trie.answers(at: node).isEmpty {
                let lp = InferenceFixtures.logProbs(model, prompt, continuation: path).last!
                let edges = trie.edges(from: node)
                let i = edges.tokens.indices.max { lp[Int(edges.tokens[$0])] < lp[Int(edges.tokens[$1])] }!
                path.append(edges.tokens[i])
                node = Int(edges.children[i])
            }
            let beam = Generator(model: model).constrainedBeamSearch(prompt, trie: trie, config: BeamSearchConfig(beams: 1))
            XCTAssertEqual(beam.map(\.tokens), [path], "seed \(seed)")
        }
    }

    /// Unconstrained beams: scores are the model's log-probabilities of each returned
    /// sequence (stop token included) and K = 1 is greedy.
    func testBeamScoresAreSequenceLogProbsAndOneBeamIsGreedy() {
        let model = InferenceFixtures.model(seed: 31)
        let prompt = InferenceFixtures.prompt(model, tokens: [1, 2], seed: 32)
        let generator = Generator(model: model)
        let beams = generator.beamSearch(prompt, maxNewTokens: 6, stopTokens: [0], config: BeamSearchConfig(beams: 4))
        XCTAssertEqual(beams.count, 4)
        XCTAssertEqual(generator.lastStats.rows, 4)
        for b in beams {
            let seq = b.tokens + (b.finished ? [0] : [])
            XCTAssertEqual(b.logProb, InferenceFixtures.sequenceLogProb(model, prompt, seq), accuracy: 1e-4)
        }
        XCTAssertEqual(beams.map(\.score), beams.map(\.score).sorted(by: >))
        let one = generator.beamSearch(prompt, maxNewTokens: 6, stopTokens: [0], config: BeamSearchConfig(beams: 1))
        let greedy = generator.greedy(prompt, maxNewTokens: 6, stopTokens: [0])
        XCTAssertEqual(one.first?.tokens, greedy.tokens)
        XCTAssertEqual(one.first!.logProb, greedy.logProb, accuracy: 1e-9)
    }

    /// On MovieLens-100K's real catalogue, with a small LM trained here briefly on its
    /// catalogue sentences: every beam is a catalogue title (its exact token sequence),
    /// never one of the masked items, best first, scored by the model's log-probability.
    func testConstrainedBeamsOnlyReturnValidUnmaskedCatalogueEntries() throws {
        let dataset = try Dataset.load(from: InferenceTestData.movieLens100K())
        let sentences = TextCorpus.catalogueSentences(dataset)
        let tokenizer = BPETokenizer.train(corpus: sentences, vocabSize: 512)
        let eos = tokenizer.id(of: .eos)!, bos = tokenizer.id(of: .bos)!
        var config = LanguageModelConfig.tiny
        config.vocabSize = tokenizer.vocabSize
        let model = LanguageModel(config: config, seed: 41)
        let loss = trainBriefly(model, on: sentences.map { [bos] + tokenizer.encode($0) + [eos] }, steps: 40)
        XCTAssertLessThan(loss.last!, loss.first! - 0.5, "the LM learned something: \(loss.first!) → \(loss.last!)")

        let names = dataset.items.map(\.name)
        let trie = AnswerTrie(sequences: names.map { tokenizer.encode($0, allowSpecial: false) + [eos] })
        var gen = SeededGenerator(seed: 42)
        let excluded = Set((0..<300).map { _ in Int32(gen.next() % UInt64(names.count)) })
        let mask = AnswerTrie.AnswerMask(trie: trie, excluding: excluded)
        let generator = Generator(model: model)
        for promptText in ["", "Toy", "Star Wars (1977) is a"] {
            let prompt = GenerationPrompt(tokens: [bos] + tokenizer.encode(promptText))
            let ranked = generator.constrainedBeamSearch(prompt, trie: trie, mask: mask, config: BeamSearchConfig(beams: 10))
            XCTAssertEqual(ranked.count, 10)
            XCTAssertEqual(Set(ranked.map(\.tokens)).count, 10, "distinct answers")
            XCTAssertEqual(ranked.map(\.score), ranked.map(\.score).sorted(by: >))
            for r in ranked {
                XCTAssertFalse(r.answers.isEmpty)
                for a in r.answers {
                    XCTAssertEqual(trie.sequences[Int(a)], r.tokens)
                    XCTAssertFalse(excluded.contains(a), "masked item \(names[Int(a)]) returned")
                }
                XCTAssertEqual(tokenizer.decode(Array(r.tokens.dropLast())), names[Int(r.answers[0])])
                XCTAssertEqual(r.logProb, InferenceFixtures.sequenceLogProb(model, prompt, r.tokens), accuracy: 1e-3)
            }
            XCTAssertGreaterThan(generator.lastStats.steps, 0)
            XCTAssertGreaterThan(generator.lastStats.flops.total, 0)
        }
    }

    /// Next-token cross-entropy on random batches of sequences; returns the loss per step.
    private func trainBriefly(_ model: LanguageModel, on sequences: [[Int32]], steps: Int) -> [Float] {
        let optimizer = AdamW(parameters: model.parameters(), config: AdamWConfig(learningRate: 3e-3, weightDecay: 0))
        var gen = SeededGenerator(seed: 43)
        var losses: [Float] = []
        let (batch, length) = (16, 24)
        for _ in 0..<steps {
            var inputs: [Int32] = [], targets: [Int32] = []
            for _ in 0..<batch {
                let s = sequences[Int(gen.next() % UInt64(sequences.count))]
                for t in 0..<length {
                    inputs.append(t < s.count ? s[t] : 0)
                    targets.append(t + 1 < s.count ? s[t + 1] : -100)
                }
            }
            optimizer.zeroGrad()
            let logits = model(tokens: inputs, batch: batch)
            let loss = Tensor.crossEntropy(logits: logits.reshaped([batch * length, model.config.vocabSize]),
                                           targets: targets)
            loss.backward()
            optimizer.step()
            losses.append(loss.item)
        }
        return losses
    }
}
