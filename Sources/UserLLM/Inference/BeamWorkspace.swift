/// The hypotheses of a beam search and the candidates of its next step, on buffers reused
/// from step to step and from search to search (a `Generator` keeps one), so that a step
/// allocates nothing: token paths live in two flat tables of `beams × maxLength` (current
/// and next), and keeping a candidate copies its parent's tokens into the next table.
///
/// It also plans the decoder's passes: which row each live hypothesis continues, and which
/// tokens to feed it — one, or the whole stretch of its answer that is already decided
/// (see `planPass`) — and it knows which hypotheses already have their logits.
struct BeamWorkspace {
    struct Hypothesis {
        /// Decoder row holding its fed tokens.
        var decoderRow = 0
        /// Where its next-token logits are in the last pass's output (−1: not computed yet).
        var logitsRow = 0
        /// Its tokens: `paths[path · maxLength ..< + length]`.
        var path = 0
        var length = 0
        var logProb = 0.0
        var score = 0.0
        var finished = false
        /// Ended by a stop token (or, constrained, by completing an answer).
        var stopped = false
        /// The token it adds (not fed yet unless `logitsRow` ≥ 0).
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
    /// The next pass: each row's source row and token count, and the tokens, row after row.
    private(set) var sources: [Int] = []
    private(set) var counts: [Int] = []
    private(set) var feed: [Int32] = []
    /// Per position of the last pass: the token fed right after it in the same row (its
    /// logits then belong to the hypothesis that adds that token), or −1.
    private var following: [Int32] = []
    /// Planning scratch: per row, its trie node and whether it still takes tokens; the
    /// tokens per row, `maxPositions` apart.
    private var rowNodes: [Int] = []
    private var rowOpen: [Bool] = []
    private var rowTokens: [Int32] = []

    /// Opens a search of `beams` hypotheses of at most `maxLength` tokens from one empty
    /// hypothesis whose logits are row 0 of the prefill (at trie node `node`).
    mutating func reset(beams: Int, maxLength: Int, maxPositions: Int, node: Int = 0) {
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
            counts = sources
            rowNodes = sources
            rowOpen = [Bool](repeating: false, count: beams)
        }
        if feed.count < maxPositions { feed = [Int32](repeating: 0, count: maxPositions) }
        if following.count < max(maxPositions, 1) { following = [Int32](repeating: -1, count: max(maxPositions, 1)) }
        if rowTokens.count < beams * maxPositions { rowTokens = [Int32](repeating: 0, count: beams * maxPositions) }
        following[0] = -1
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
            // Its logits were computed already when the pass fed its parent's row this token next.
            let ahead = parent.logitsRow >= 0 && c.token >= 0 && following[parent.logitsRow] == c.token
            nextBeam.append(Hypothesis(decoderRow: parent.decoderRow, logitsRow: ahead ? parent.logitsRow + 1 : -1,
                                       path: slot, length: length, logProb: c.logProb, score: c.score,
                                       finished: c.finished, stopped: c.stopped, token: c.token, node: c.node))
        }
        swap(&beam, &nextBeam)
        swap(&paths, &nextPaths)
    }

    /// Whether every live hypothesis still needs a pass (none computed ahead). Live
    /// hypotheses are fed in lockstep, so they run out of logits at the same step.
    var needsPass: Bool {
        var lacking = 0, live = 0
        for h in beam where !h.finished {
            live += 1
            if h.logitsRow < 0 { lacking += 1 }
        }
        precondition(lacking == 0 || lacking == live, "some live beams computed ahead and some not")
        return lacking > 0
    }

    /// Plans the next pass: the live hypotheses get decoder rows 0..<n in beam order (each
    /// following its parent's row) and are fed their token; then, while EVERY open row sits
    /// on a node with exactly one allowed continuation (`forced`), each is also fed that
    /// continuation, one token per row at a time — unless it completes an answer
    /// (`completes`), which closes the row. Nothing is pruned along such a stretch (each
    /// live beam has one candidate), so every position fed is one the search would feed,
    /// step by step, later: the same work in fewer passes over the weights. Stops before
    /// `maxPositions` positions. Returns the rows.
    mutating func planPass(maxPositions: Int, forced: (Int) -> (token: Int32, node: Int)?,
                           completes: (Int) -> Bool) -> Int {
        var n = 0
        for i in beam.indices where !beam[i].finished {
            sources[n] = beam[i].decoderRow
            beam[i].decoderRow = n
            counts[n] = 1
            rowTokens[n * maxPositions] = beam[i].token
            rowNodes[n] = beam[i].node
            rowOpen[n] = true
            n += 1
        }
        var positions = n
        while true {
            var open = 0, ok = true
            for r in 0..<n where rowOpen[r] {
                open += 1
                if forced(rowNodes[r]) == nil { ok = false; break }
            }
            guard ok, open > 0, positions + open <= maxPositions else { break }
            for r in 0..<n where rowOpen[r] {
                let next = forced(rowNodes[r])!
                if completes(next.node) { rowOpen[r] = false; continue }
                rowTokens[r * maxPositions + counts[r]] = next.token
                counts[r] += 1
                rowNodes[r] = next.node
                positions += 1
            }
        }
        // Flatten row after row; each live hypothesis' logits are its row's first position.
        var position = 0
        for r in 0..<n {
            for j in 0..<counts[r] {
                feed[position + j] = rowTokens[r * maxPositions + j]
                following[position + j] = j + 1 < counts[r] ? rowTokens[r * maxPositions + j + 1] : -1
            }
            rowNodes[r] = position  // reused: the row's first position
            position += counts[r]
        }
        for i in beam.indices where !beam[i].finished { beam[i].logitsRow = rowNodes[beam[i].decoderRow] }
        return n
    }

    /// The tokens of a hypothesis of the current beam.
    func tokens(of h: Hypothesis) -> [Int32] {
        Array(paths[(h.path * max(1, maxLength))..<(h.path * max(1, maxLength) + h.length)])
    }
}
