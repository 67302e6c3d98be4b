import Foundation
import NN
import Tensor
import UserLLM

/// Times full training steps of the LLM with gated cross-attention: forward with the
/// cross-entropy loss, backward, AdamW — the work of one batch of xattn fine-tuning.
enum BenchModelStep {
    struct Shape: Codable {
        var d: Int, layers: Int, heads: Int, hidden: Int, vocab: Int
        /// DESIGN §4 `small`.
        static let small = Shape(d: LanguageModelConfig.small.dModel, layers: LanguageModelConfig.small.layers,
                                 heads: LanguageModelConfig.small.heads, hidden: LanguageModelConfig.small.mlpHidden,
                                 vocab: LanguageModelConfig.small.vocabSize)
    }

    struct Result: Codable {
        var tokens: Int
        /// Mean seconds per timed step.
        var forward: Double
        var backward: Double
        var optimizer: Double
        var step: Double
        /// Analytic FLOPs of one step (BenchFLOPs).
        var flops: Double
        var loss: Float
    }

    static func measure(shape: Shape, batch: Int, tokens t: Int, users: Int, steps: Int, warmup: Int,
                        progress: (Int, Int) -> Void) -> Result {
        var config = LanguageModelConfig.small.withCrossAttention()
        config.contextLength = max(config.contextLength, t)
        let model = LanguageModel(config: config, seed: 0)
        // An open gate, so the cross-attention's backward runs in full (at 0 it still does,
        // but the numbers then measure a special case).
        for block in model.blocks { block.xattn!.gate.pointer[0] = 0.5 }
        let optimizer = AdamW(parameters: model.parameters())

        var gen = SeededGenerator(seed: UInt64(t))
        let ids = (0..<(batch * t)).map { _ in Int32(gen.next() % UInt64(config.vocabSize)) }
        let targets = (0..<(batch * t)).map { _ in Int32(gen.next() % UInt64(config.vocabSize)) }
        let user = Tensor.randn([batch, users, config.dModel], generator: &gen)

        var forward = 0.0, backward = 0.0, update = 0.0
        var loss: Float = .nan
        let total = warmup + steps
        for step in 0..<total {
            progress(step, total)
            let t0 = DispatchTime.now().uptimeNanoseconds
            optimizer.zeroGrad()
            let logits = model(tokens: ids, batch: batch, user: user)           // (B, T, V)
            let l = Tensor.crossEntropy(logits: logits.reshaped([batch * t, config.vocabSize]), targets: targets)
            let t1 = DispatchTime.now().uptimeNanoseconds
            l.backward()
            let t2 = DispatchTime.now().uptimeNanoseconds
            optimizer.step()
            let t3 = DispatchTime.now().uptimeNanoseconds
            loss = l.item
            if step >= warmup {
                forward += Double(t1 - t0) / 1e9
                backward += Double(t2 - t1) / 1e9
                update += Double(t3 - t2) / 1e9
            }
        }
        let n = Double(steps)
        let flops = BenchFLOPs(batch: batch, tokens: t, users: users, d: shape.d, layers: shape.layers,
                               hidden: shape.hidden, vocab: shape.vocab, contextDim: shape.d).step
        return Result(tokens: t, forward: forward / n, backward: backward / n, optimizer: update / n,
                      step: (forward + backward + update) / n, flops: flops, loss: loss)
    }
}
