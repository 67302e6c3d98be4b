import Foundation

extension Generator {
    /// Beam search constrained to the answers of `trie` that `mask` allows: each step
    /// extends a live beam only along trie edges into subtrees that still hold an allowed
    /// answer; a beam finishes on reaching a node with answers (after the end token).
    /// Finished beams keep their slot, so the result is the `config.beams` best complete
    /// answers, best first — a ranking over the whole catalogue (K = 1 is greedy within the
    /// trie; K ≥ the number of answers ranks every answer exactly). Empty when the mask
    /// leaves nothing.
    public func constrainedBeamSearch(_ prompt: GenerationPrompt, trie: AnswerTrie, mask: AnswerTrie.AnswerMask? = nil,
                                      config: BeamSearchConfig) -> [RankedAnswer] {
        let k = config.beams
        let depth = trie.sequences.map(\.count).max() ?? 0
        var stats = begin(prompt, newTokens: depth, rows: k)
        guard depth > 0, mask?.allows(node: AnswerTrie.root) ?? true else {
            finish(&stats)
            return []
        }
        var clock = Stopwatch()
        var logits = decoder.prefill(tokens: prompt.tokens, prefix: prompt.prefix, prefixLength: prompt.prefixLength)
        stats.prefillSeconds = clock.lap()
        var beam = [Hypothesis(row: 0, tokens: [], logProb: 0, score: 0, finished: false, node: AnswerTrie.root)]
        var expanded = false
        let v = model.config.vocabSize
        var stopped = false
        while true {
            // Stopped early, the beams sit inside the trie with no complete answer: none is returned.
            if shouldStop?() == true { stopped = true; break }
            var candidates = beam.filter(\.finished)
            for h in beam where !h.finished {
                scores.logSoftmax(logits.pointer + h.row * v)
                let (tokens, children) = trie.edges(from: h.node)
                for (token, child) in zip(tokens, children) {
                    let node = Int(child)
                    if let mask, !mask.allows(node: node) { continue }
                    let logProb = h.logProb + Double(scores.logProbs[Int(token)])
                    let path = h.tokens + [token]
                    candidates.append(Hypothesis(row: h.row, tokens: path, logProb: logProb,
                                                 score: config.score(logProb: logProb, length: path.count),
                                                 finished: !trie.answers(at: node).isEmpty, stopped: true,
                                                 parentRow: h.row, token: token, node: node))
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
        if stopped { return [] }
        return beam.map { h in
            let answers = trie.answers(at: h.node).filter { mask?.allows(answer: $0) ?? true }
            return RankedAnswer(answers: answers, tokens: h.tokens, logProb: h.logProb, score: h.score)
        }
    }
}
