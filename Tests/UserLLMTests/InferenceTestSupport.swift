import Foundation
import NN
import Tensor
import UserLLM
import XCTest

/// Shared by the inference, beam-search, generation and evaluation tests: small random
/// models with non-trivial weights, and the full (training-path) forward as the reference.
enum InferenceFixtures {
    /// Vocabulary 13, d 16, 2 layers, 4 heads: large enough for real attention patterns,
    /// small enough to score every candidate by a full forward.
    static func config(crossAttention: Bool) -> LanguageModelConfig {
        LanguageModelConfig(vocabSize: 13, dModel: 16, layers: 2, heads: 4, mlpHidden: 24, contextLength: 64,
                            crossAttention: crossAttention)
    }

    /// A model whose weights are N(0, 0.3²) and gates non-zero, so that the distribution is
    /// peaked and the user context matters.
    static func model(crossAttention: Bool = true, seed: UInt64) -> LanguageModel {
        sharpened(LanguageModel(config: config(crossAttention: crossAttention), seed: seed), seed: seed)
    }

    /// `model` with its weights N(0, 0.3²) (norms kept) and gates open to 0.5–1.5.
    static func sharpened(_ model: LanguageModel, seed: UInt64) -> LanguageModel {
        var gen = SeededGenerator(seed: seed &+ 1000)
        for (name, p) in model.parameters() where !name.hasSuffix("norm.weight") {
            for i in 0..<p.count { p.pointer[i] = gen.nextNormal() * 0.3 }
        }
        for block in model.blocks { block.xattn?.gate.pointer[0] = 0.5 + gen.nextUniform() }
        return model
    }

    /// The full forward's logits (V) at the last position of prompt + continuation.
    static func lastLogits(_ model: LanguageModel, _ prompt: GenerationPrompt, _ continuation: [Int32]) -> [Float] {
        let tokens = prompt.tokens + continuation, v = model.config.vocabSize
        let all = Autograd.noGrad {
            model(tokens: tokens, batch: 1, prefix: prompt.prefix, prefixLengths: prompt.prefixLength.map { [$0] },
                  user: prompt.user, userLengths: prompt.userLength.map { [$0] })
        }
        return Array(all.scalars[((tokens.count - 1) * v)..<(tokens.count * v)])
    }

    /// Heap allocations of `plan`'s decoding steps after a fresh start and prefill of `prompt`.
    static func stepAllocations(_ decoder: IncrementalDecoder, _ prompt: GenerationPrompt,
                                _ plan: [(sources: [Int], tokens: [Int32])], capacity: Int) -> Int {
        decoder.start(capacity: capacity, user: prompt.user, userLength: prompt.userLength)
        decoder.reserve(rows: plan.map(\.sources.count).max() ?? 1)
        _ = decoder.prefill(tokens: prompt.tokens, prefix: prompt.prefix, prefixLength: prompt.prefixLength)
        return AllocationCounter.counting {
            for (sources, tokens) in plan {
                decoder.reorder(sources)
                _ = decoder.step(tokens)
            }
        }!
    }

    static func tensor(_ shape: [Int], seed: UInt64) -> Tensor {
        var gen = SeededGenerator(seed: seed)
        return Tensor.randn(shape, std: 1, generator: &gen)
    }

    /// Full forward of one sequence (batch 1) → per-position log-probabilities (T, V).
    static func logProbs(_ model: LanguageModel, _ prompt: GenerationPrompt, continuation: [Int32]) -> [[Float]] {
        let tokens = prompt.tokens + continuation
        let logits = Autograd.noGrad {
            model(tokens: tokens, batch: 1, prefix: prompt.prefix, prefixLengths: prompt.prefixLength.map { [$0] },
                  user: prompt.user, userLengths: prompt.userLength.map { [$0] })
        }
        let v = model.config.vocabSize
        return (0..<tokens.count).map { t in
            let row = Array(logits.scalars[(t * v)..<((t + 1) * v)])
            let m = row.max()!
            let lse = m + log(row.reduce(Float(0)) { $0 + exp($1 - m) })
            return row.map { $0 - lse }
        }
    }

    /// log p(continuation | prompt) by the full forward.
    static func sequenceLogProb(_ model: LanguageModel, _ prompt: GenerationPrompt, _ continuation: [Int32]) -> Double {
        let lp = logProbs(model, prompt, continuation: continuation)
        let start = prompt.tokens.count - 1
        return continuation.enumerated().reduce(0.0) { $0 + Double(lp[start + $1.offset][Int($1.element)]) }
    }

    /// A prompt with a padded prefix (xattn models also get a padded user context).
    static func prompt(_ model: LanguageModel, tokens: [Int32], seed: UInt64) -> GenerationPrompt {
        let d = model.config.dModel
        return GenerationPrompt(tokens: tokens, prefix: tensor([1, 3, d], seed: seed), prefixLength: 2,
                                user: model.config.crossAttention ? tensor([1, 5, d], seed: seed + 1) : nil,
                                userLength: model.config.crossAttention ? 4 : nil)
    }
}

/// Where the real datasets are: $USERLLM_TEST_DATA, else <package root>/../shared/data.
enum InferenceTestData {
    static var root: URL {
        if let env = ProcessInfo.processInfo.environment["USERLLM_TEST_DATA"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while dir.path != "/" {
            if FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) { break }
            dir = dir.deletingLastPathComponent()
        }
        return dir.deletingLastPathComponent().appendingPathComponent("shared/data")
    }

    /// MovieLens-100K always runs: missing is a failure.
    static func movieLens100K() throws -> URL {
        let dir = root.appendingPathComponent("movielens-100k")
        guard FileManager.default.fileExists(atPath: dir.path) else {
            XCTFail("dataset movielens-100k missing at \(dir.path)")
            throw XCTSkip("missing")
        }
        return dir
    }
}
