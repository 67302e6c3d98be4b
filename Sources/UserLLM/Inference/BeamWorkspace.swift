/// The hypotheses of a beam search and the candidates of its next step, on buffers reused
/// from step to step and from search to search (a `Generator` keeps one), so that a step
/// allocates nothing: token paths live in two flat tables of `beams × maxLength` (current
/// and next), and keeping a candidate copies its parent's tokens into the next table.
struct BeamWorkspace {
    struct Hypothesis {
        /// Decoder row whose logits extend it (live ones; set by `assignRows`).
        var row = 0
        /// Its tokens: `paths[path · maxLength ..< + length]`.
        var path = 0
        var length = 0
        var logProb = 0.0
        var score = 0.0
        var finished = false
        /// Ended by a stop token (or, constrained, by completing an answer).
        var stopped = false
        /// The row it extends and the token it adds (a fresh live extension).
        var parentRow = 0
        var token: Int32 = -1
        /// Constrained search: the trie node reached.
        var node = 0
    }

    /// One way to continue: the hypothesis `parent` of the beam, plus `token` unless −1.
    struct Candidate {
        var parent: Int
        var token: Int32
        var logProb: Double
        var score: Double
        var finished: Bool
        var stopped: Bool
        var node: Int
    }

    private(set) var beam: [Hypothesis] = []
    private var nextBeam: [Hypothesis] = []
    var candidates: [Candidate] = []
    /// Candidate indices, best first, while selecting.
    private var order: [Int] = []
    private var paths: [Int32] = []
    private var nextPaths: [Int32] = []
    private(set) var maxLength = 0
    /// The next decoder step's rows: the parent row and the token of each live hypothesis.
    private(set) var sources: [Int] = []
    private(set) var tokens: [Int32] = []

    /// Opens a search of `beams` hypotheses of at most `maxLength` tokens from one empty
    /// hypothesis on decoder row 0 (at trie node `node`).
    mutating func reset(beams: Int, maxLength: Int, node: Int = 0) {
        self.maxLength = maxLength
        let cells = beams * max(1, maxLength)
        if paths.count < cells {
            paths = [Int32](repeating: 0, count: cells)
            nextPaths = paths
        }
        beam.reserveCapacity(beams)
        nextBeam.reserveCapacity(beams)
        order.reserveCapacity(beams + 1)
        if sources.count < beams {
            sources = [Int](repeating: 0, count: beams)
            tokens = [Int32](repeating: 0, count: beams)
        }
        candidates.removeAll(keepingCapacity: true)
        beam.removeAll(keepingCapacity: true)
        beam.append(Hypothesis(node: node))
    }

    var allFinished: Bool { beam.allSatisfy(\.finished) }

    /// Opens the candidates of the next step with the finished hypotheses, which keep their
    /// slot (and win ties, coming first).
    mutating func carryFinished() {
        candidates.removeAll(keepingCapacity: true)
        for (i, h) in beam.enumerated() where h.finished {
            candidates.append(Candidate(parent: i, token: -1, logProb: h.logProb, score: h.score, finished: true,
                                        stopped: h.stopped, node: h.node))
        }
    }

    /// Keeps the best `k` candidates as the new beam: highest score first, ties to the
    /// earlier candidate (as a stable sort would).
    mutating func select(_ k: Int) {
        order.removeAll(keepingCapacity: true)
        for i in candidates.indices {
            let s = candidates[i].score
            if order.count == k, let worst = order.last, s <= candidates[worst].score { continue }
            var at = order.count
            while at > 0 && candidates[order[at - 1]].score < s { at -= 1 }
            order.insert(i, at: at)
            if order.count > k { order.removeLast() }
        }
        nextBeam.removeAll(keepingCapacity: true)
        let width = max(1, maxLength)
        for (slot, ci) in order.enumerated() {
            let c = candidates[ci], parent = beam[c.parent]
            var length = parent.length
            let src = parent.path * width, dst = slot * width
            for j in 0..<length { nextPaths[dst + j] = paths[src + j] }
            if c.token >= 0 {
                precondition(length < maxLength, "a hypothesis longer than the search's \(maxLength) tokens")
                nextPaths[dst + length] = c.token
                length += 1
            }
            nextBeam.append(Hypothesis(row: parent.row, path: slot, length: length, logProb: c.logProb, score: c.score,
                                       finished: c.finished, stopped: c.stopped, parentRow: parent.row, token: c.token,
                                       node: c.node))
        }
        swap(&beam, &nextBeam)
        swap(&paths, &nextPaths)
    }

    /// Numbers the live hypotheses' decoder rows 0..<n in beam order and lists each row's
    /// parent row and token in `sources` and `tokens`; returns n.
    mutating func assignRows() -> Int {
        var n = 0
        for i in beam.indices where !beam[i].finished {
            sources[n] = beam[i].parentRow
            tokens[n] = beam[i].token
            beam[i].row = n
            n += 1
        }
        return n
    }

    /// The tokens of a hypothesis of the current beam.
    func tokens(of h: Hypothesis) -> [Int32] {
        Array(paths[(h.path * max(1, maxLength))..<(h.path * max(1, maxLength) + h.length)])
    }
}
