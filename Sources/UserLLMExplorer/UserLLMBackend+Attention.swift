import Explorer
import Foundation
import NN
import Tensor
import Timelines
import UserLLM

extension UserLLMBackend {
    /// Records the cross-attention weights of `query` in `mode`: the prompt and the mode's
    /// top answer (the one the task panel shows; decoded here when not yet known) run
    /// once through the model with every layer keeping its attention probabilities.
    /// Rows: prompt + answer tokens; columns: the window's events, or the Perceiver's
    /// latents (then `latentsToEvents` holds the resampler's last layer, latents → events).
    public func attention(_ query: TaskQuery, mode: ModeDescriptor, control: JobControl) throws -> AttentionCapture {
        if control.isCancelled { throw CancellationError() }
        let p = try predictor(mode.id)
        let trained = p.trained
        guard trained.choice.mode == .xattn else { throw RunError.invalidOptions("mode \(mode.id) has no cross-attention") }
        let ex = try example(query, p)
        let answer: String
        if let cached = cachedAnswer(query, mode: mode.id) {
            answer = cached
        } else {
            control.report(nil, "decoding the answer")
            answer = try run(query, mode: mode, control: control).answers.first?.text ?? ""
        }
        if control.isCancelled { throw CancellationError() }
        control.report(nil, "recording weights")
        let prompt = trained.promptTokens(ex)
        let tokens = prompt + trained.answerTokens(answer, task: ex.task)
        let model = trained.model
        let lm = trained.languageModel
        let resampler = model.perceiver?.layers.last?.attn
        lm.keepsAttentionWeights = true
        resampler?.keepWeights = true
        defer {
            lm.keepsAttentionWeights = false
            resampler?.keepWeights = false
        }
        let events = EventBatch(examples: [ex], builder: context.builder, features: context.features)
        Autograd.noGrad {
            let user = model.userContext(events)
            _ = lm.hiddenStates(tokens: tokens, batch: 1, user: user?.user, userLengths: user?.userLengths)
        }
        var weights: [Float] = []
        var heads = 0, columns = 0, layers = 0
        var layerIndices: [Int] = []
        for (i, block) in lm.blocks.enumerated() {
            guard let w = block.xattn?.attn.lastWeights else { continue }
            // (1, H, T, M): rows are the tokens, columns the user context.
            precondition(w.shape.count == 4 && w.shape[0] == 1 && w.shape[2] == tokens.count, "unexpected attention shape \(w.shape)")
            heads = w.shape[1]
            columns = w.shape[3]
            weights += w.scalars
            layers += 1
            layerIndices.append(i)
        }
        var latentsToEvents: [Float]? = nil
        var latentHeads = 0
        if let w = resampler?.lastWeights {
            // (1, H, L, L + M): keys are the latents then the events; keep the events' part.
            let (h, l, keys) = (w.shape[1], w.shape[2], w.shape[3])
            let m = keys - l
            let all = w.scalars
            var out: [Float] = []
            out.reserveCapacity(h * l * m)
            for r in 0..<(h * l) { out += all[(r * keys + l)..<((r + 1) * keys)] }
            latentsToEvents = out
            latentHeads = h
        }
        let tokenizer = trained.tokenizer
        let rows = tokens.map { Self.displayToken(tokenizer.piece($0)) }
        return AttentionCapture(mode: mode.id, rowTokens: rows, answerStart: prompt.count,
                                columns: trained.choice.perceiver ? .latents : .events, columnCount: columns,
                                layers: layers, layerIndices: layerIndices, heads: heads, weights: weights,
                                latentsToEvents: latentsToEvents, latentHeads: latentHeads)
    }

    /// A token piece as a one-line label: whitespace made visible.
    static func displayToken(_ piece: String) -> String {
        var s = piece.replacingOccurrences(of: "\n", with: "⏎").replacingOccurrences(of: "\t", with: "→")
        if s.first == " " { s = "·" + s.dropFirst() }
        return s.isEmpty ? "∅" : s
    }
}
