import Foundation
import Tensor

extension Generator {
    /// Beam search constrained to the answers of `trie` that `mask` allows: each step
    /// extends a live beam only along trie edges into subtrees that still hold an allowed
    /// answer; a beam finishes on reaching a node with answers (after the end token).
    /// Finished beams keep their slot, so the result is the `config.beams` best complete
    /// answers, best first — a ranking over the whole catalogue (K = 1 is greedy within the
    /// trie; K ≥ the number of answers ranks every answer exactly). Empty when the mask
    /// leaves nothing.
    ///
    /// Only live beams are decoded, and a beam's log-probabilities are formed only for its
    /// trie edges (one log-sum-exp over the vocabulary per live beam). Where every live beam
    /// has a single way on (a title's rest once its start is unique), one pass feeds them
    /// the whole stretch: the same positions, fewer passes over the weights.
    public func constrainedBeamSearch(_ prompt: GenerationPrompt, trie: AnswerTrie, mask: AnswerTrie.AnswerMask? = nil,
                                      config: BeamSearchConfig) -> [RankedAnswer] {
        let k = config.beams
        let depth = trie.maxLength
        var stats = begin(prompt, newTokens: depth, rows: k)
        guard depth > 0, mask?.allows(node: AnswerTrie.root) ?? true else {
            finish(&stats)
            return []
        }
        var clock = Stopwatch()
        var logits = UnsafePointer(decoder.prefill(tokens: prompt.tokens, prefix: prompt.prefix,
                                                   prefixLength: prompt.prefixLength).pointer)
        stats.prefillSeconds = clock.lap()
        work.reset(beams: k, maxLength: depth, maxPositions: decoder.maxPassPositions, node: AnswerTrie.root)
        let v = model.config.vocabSize
        var stopped = false
        // The one allowed continuation of a node, if it has exactly one.
        func forced(_ node: Int) -> (token: Int32, node: Int)? {
            let (tokens, children) = trie.edges(from: node)
            var only: (token: Int32, node: Int)?
            for (token, child) in zip(tokens, children) where mask?.allows(node: Int(child)) ?? true {
                if only != nil { return nil }
                only = (token, Int(child))
            }
            return only
        }
        while true {
            // Stopped early, the beams sit inside the trie with no complete answer: none is returned.
            if shouldStop?() == true { stopped = true; break }
            work.carryFinished()
            for (i, h) in work.beam.enumerated() where !h.finished {
                let row = logits + h.logitsRow * v
                // log p = (logit − max) − log Σ exp(logit − max), as TokenScores.logSoftmax forms it.
                let (m, logSum) = VectorMath.logSumExp(row, v)
                let (tokens, children) = trie.edges(from: h.node)
                for (token, child) in zip(tokens, children) {
                    let node = Int(child)
                    if let mask, !mask.allows(node: node) { continue }
                    let logProb = h.logProb + Double((row[Int(token)] - m) - logSum)
                    work.candidates.append(.init(parent: i, token: token, logProb: logProb,
                                                 score: config.score(logProb: logProb, length: h.length + 1),
                                                 finished: !trie.answers(at: node).isEmpty, stopped: true, node: node))
                }
            }
            work.select(k)
            if work.allFinished { break }
            logits = advance(&stats, current: logits, forced: forced, completes: { !trie.answers(at: $0).isEmpty })
        }
        stats.decodeSeconds = clock.lap()
        stats.generatedTokens = work.beam.first?.length ?? 0
        finish(&stats)
        if stopped { return [] }
        return work.beam.map { h in
            let answers = trie.answers(at: h.node).filter { mask?.allows(answer: $0) ?? true }
            return RankedAnswer(answers: answers, tokens: work.tokens(of: h), logProb: h.logProb, score: h.score)
        }
    }
}
