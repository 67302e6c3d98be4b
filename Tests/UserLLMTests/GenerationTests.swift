import NN
import Tensor
import UserLLM
import XCTest

final class GenerationTests: XCTestCase {
    /// Greedy equals picking the argmax of the full forward at every step.
    func testGreedyFollowsTheFullForwardArgmax() {
        let model = InferenceFixtures.model(seed: 51)
        let prompt = InferenceFixtures.prompt(model, tokens: [3, 1, 4], seed: 52)
        let out = Generator(model: model).greedy(prompt, maxNewTokens: 8, stopTokens: [0])
        var expected: [Int32] = []
        var logProb = 0.0
        while expected.count < 8 {
            let lp = InferenceFixtures.logProbs(model, prompt, continuation: expected).last!
            let best = Int32(lp.indices.max { lp[$0] < lp[$1] }!)
            logProb += Double(lp[Int(best)])
            if best == 0 { break }
            expected.append(best)
        }
        XCTAssertEqual(out.tokens, expected)
        XCTAssertEqual(out.finished, expected.count < 8)
        XCTAssertEqual(out.logProb, logProb, accuracy: 1e-4)
    }

    func testSamplingIsReproduciblePerSeedAndVariesAcrossSeeds() {
        let model = InferenceFixtures.model(seed: 53)
        let prompt = InferenceFixtures.prompt(model, tokens: [2, 2], seed: 54)
        let generator = Generator(model: model)
        func run(_ seed: UInt64, _ config: SamplingConfig = SamplingConfig(temperature: 1.5)) -> [Int32] {
            var c = config
            c.seed = seed
            return generator.sample(prompt, maxNewTokens: 10, stopTokens: [], config: c).tokens
        }
        XCTAssertEqual(run(7), run(7))
        XCTAssertEqual(run(8, SamplingConfig(topK: 4, topP: 0.8)), run(8, SamplingConfig(topK: 4, topP: 0.8)))
        XCTAssertGreaterThan(Set((0..<8).map { run($0) }).count, 4, "different seeds give different texts")
        // top-k 1 and a tiny top-p are greedy.
        let greedy = generator.greedy(prompt, maxNewTokens: 10, stopTokens: []).tokens
        XCTAssertEqual(run(9, SamplingConfig(temperature: 2, topK: 1)), greedy)
        XCTAssertEqual(run(10, SamplingConfig(temperature: 2, topP: 1e-4)), greedy)
    }

    /// The first sampled token follows the model's distribution restricted to the top k:
    /// 3000 draws, each token's frequency within 4 standard errors of its renormalised
    /// probability, tokens outside the top k never drawn.
    func testTopKSamplingMatchesTheRenormalisedDistribution() {
        let model = InferenceFixtures.model(seed: 55)
        let prompt = InferenceFixtures.prompt(model, tokens: [6], seed: 56)
        let lp = InferenceFixtures.logProbs(model, prompt, continuation: []).last!
        let temperature: Float = 1.3, k = 3
        let scaled = lp.map { exp($0 / temperature) }
        let top = scaled.indices.sorted { scaled[$0] > scaled[$1] }.prefix(k)
        let mass = top.reduce(Float(0)) { $0 + scaled[$1] }
        let generator = Generator(model: model)
        var counts = [Int](repeating: 0, count: lp.count)
        let draws = 3000
        for seed in 0..<draws {
            let t = generator.sample(prompt, maxNewTokens: 1, stopTokens: [],
                                     config: SamplingConfig(temperature: temperature, topK: k, seed: UInt64(seed))).tokens[0]
            counts[Int(t)] += 1
        }
        for t in lp.indices {
            let p = top.contains(t) ? Double(scaled[t] / mass) : 0
            let se = (p * (1 - p) / Double(draws)).squareRoot()
            XCTAssertEqual(Double(counts[t]) / Double(draws), p, accuracy: 4 * se + 1e-9, "token \(t)")
        }
    }

    func testStatisticsCountWhatRan() {
        let model = InferenceFixtures.model(seed: 57)
        let prompt = InferenceFixtures.prompt(model, tokens: [1, 2, 3], seed: 58)
        let generator = Generator(model: model)
        let out = generator.greedy(prompt, maxNewTokens: 5, stopTokens: [])
        let s = generator.lastStats
        XCTAssertEqual(out.tokens.count, 5)
        XCTAssertEqual(s.promptTokens, 3)
        XCTAssertEqual(s.prefixRows, 3)
        XCTAssertEqual(s.userRows, 5)
        XCTAssertEqual(s.steps, 4, "the last token needs no forward")
        XCTAssertEqual(s.generatedTokens, 5)
        XCTAssertGreaterThan(s.seconds, 0)
        let c = model.config
        // All 5 user rows are projected; only the 4 real ones are attended to.
        var expected = FLOPs.crossAttentionContext(c, userRows: 5)
            + FLOPs.languageModel(c, batch: 1, newTokens: 6, userRows: 4, logitsRows: 1)
        for past in 6..<10 { expected += FLOPs.languageModel(c, batch: 1, newTokens: 1, pastTokens: past, userRows: 4, logitsRows: 1) }
        XCTAssertEqual(s.flops, expected)
    }
}
