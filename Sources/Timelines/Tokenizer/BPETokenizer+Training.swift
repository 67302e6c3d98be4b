/// Training: count the corpus's words once, then merge the most frequent adjacent pair
/// until the vocabulary reaches its target, updating pair counts only in the words that
/// held the merged pair (not a recount per merge).
extension BPETokenizer {
    /// Trains a byte-level BPE on `corpus`.
    ///
    /// Ids: the special tokens first (0, 1, ... in the order given), then the 256 bytes in
    /// byte order, then one token per merge. Deterministic: words are counted (so the
    /// corpus order does not matter), and a tie between equally frequent pairs goes to the
    /// pair with the smaller (left id, right id) — no randomness, so no seed.
    ///
    /// - Parameters:
    ///   - vocabSize: target size including special and byte tokens; training stops
    ///     earlier when no pair occurs `minPairCount` times.
    ///   - minPairCount: 2 by default, because a pair seen once is a memorised word, not a
    ///     reusable piece.
    ///   - progress: called after each merge with (merges done, merges wanted).
    public static func train(corpus: [String], vocabSize: Int,
                             specialTokens: [String] = SpecialToken.allCases.map(\.rawValue),
                             minPairCount: Int = 2,
                             progress: ((Int, Int) -> Void)? = nil) -> BPETokenizer {
        var specials: [String] = []
        for s in specialTokens where !s.isEmpty && !specials.contains(s) { specials.append(s) }

        // Vocabulary so far: special tokens, then single bytes.
        var tokenBytes: [[UInt8]] = specials.map { Array($0.utf8) }
        var spelling: [String?] = specials
        let added = specials.enumerated().map { AddedToken(id: Int32($0.offset), content: $0.element, special: true) }
        let byteBase = Int32(tokenBytes.count)
        for b in 0..<256 {
            tokenBytes.append([UInt8(b)])
            spelling.append(ByteLevelAlphabet.encode([UInt8(b)]))
        }
        var idForBytes: [[UInt8]: Int32] = [:]
        for b in 0..<256 { idForBytes[[UInt8(b)]] = byteBase + Int32(b) }

        // Word frequencies; special tokens in the corpus are boundaries, never merged into.
        let splitter = BPETokenizer(tokenBytes: tokenBytes, tokenSpelling: spelling, merges: [],
                                    addedTokens: added, options: Options())
        var wordCounts: [[UInt8]: Int] = [:]
        for text in corpus {
            splitter.forEachWord(in: text) { wordCounts[Array($0), default: 0] += 1 }
        }
        let uniqueWords = wordCounts.keys.sorted { $0.lexicographicallyPrecedes($1) }
        var words: [[Int32]] = uniqueWords.map { $0.map { byteBase + Int32($0) } }
        let frequency: [Int] = uniqueWords.map { wordCounts[$0]! }
        wordCounts = [:]

        var pairCount: [UInt64: Int] = [:]
        var pairWords: [UInt64: [Int32]] = [:]
        for (w, word) in words.enumerated() where word.count > 1 {
            for j in 0..<(word.count - 1) {
                let key = pairKey(word[j], word[j + 1])
                pairCount[key, default: 0] += frequency[w]
                if pairWords[key]?.last != Int32(w) { pairWords[key, default: []].append(Int32(w)) }
            }
        }
        var heap = PairHeap()
        for (key, count) in pairCount { heap.push(count: count, key: key) }

        var merges: [(left: Int32, right: Int32, result: Int32)] = []
        let wanted = max(0, vocabSize - tokenBytes.count)
        var visited = [Int32](repeating: -1, count: words.count)
        while tokenBytes.count < vocabSize, let top = heap.pop() {
            let current = pairCount[top.key] ?? 0
            if current != top.count {
                if current > 0 { heap.push(count: current, key: top.key) }
                continue
            }
            if current < minPairCount { break }
            let left = Int32(truncatingIfNeeded: top.key >> 32)
            let right = Int32(truncatingIfNeeded: top.key & 0xFFFF_FFFF)
            let bytes = tokenBytes[Int(left)] + tokenBytes[Int(right)]
            let result: Int32
            if let existing = idForBytes[bytes] {
                result = existing          // another merge order already built these bytes
            } else {
                result = Int32(tokenBytes.count)
                tokenBytes.append(bytes)
                spelling.append(ByteLevelAlphabet.encode(bytes))
                idForBytes[bytes] = result
            }
            let step = Int32(merges.count)
            merges.append((left, right, result))

            var touched: [UInt64] = []
            for w in pairWords.removeValue(forKey: top.key) ?? [] where visited[Int(w)] != step {
                visited[Int(w)] = step
                let old = words[Int(w)]
                let f = frequency[Int(w)]
                var merged: [Int32] = []
                merged.reserveCapacity(old.count)
                var j = 0
                while j < old.count {
                    if j + 1 < old.count && old[j] == left && old[j + 1] == right {
                        merged.append(result)
                        j += 2
                    } else {
                        merged.append(old[j])
                        j += 1
                    }
                }
                if merged.count == old.count { continue }   // stale entry: pair already gone here
                for k in 0..<(old.count - 1) {
                    let key = pairKey(old[k], old[k + 1])
                    let c = pairCount[key]! - f
                    pairCount[key] = c > 0 ? c : nil
                }
                if merged.count > 1 {
                    for k in 0..<(merged.count - 1) {
                        let key = pairKey(merged[k], merged[k + 1])
                        pairCount[key, default: 0] += f
                        if merged[k] == result || merged[k + 1] == result {
                            touched.append(key)
                            if pairWords[key]?.last != w { pairWords[key, default: []].append(w) }
                        }
                    }
                }
                words[Int(w)] = merged
            }
            // Only pairs next to the new token grew; every other count can only have fallen,
            // which the lazy heap catches when it pops a stale entry.
            var pushed = Set<UInt64>()
            for key in touched where pushed.insert(key).inserted {
                if let c = pairCount[key] { heap.push(count: c, key: key) }
            }
            progress?(merges.count, wanted)
        }
        return BPETokenizer(tokenBytes: tokenBytes, tokenSpelling: spelling, merges: merges,
                            addedTokens: added, options: Options())
    }

    static func pairKey(_ a: Int32, _ b: Int32) -> UInt64 {
        UInt64(UInt32(bitPattern: a)) << 32 | UInt64(UInt32(bitPattern: b))
    }
}

/// Max-heap of (count, pair): the most frequent pair first, ties to the smaller key.
struct PairHeap {
    private var counts: [Int] = []
    private var keys: [UInt64] = []

    private func above(_ i: Int, _ j: Int) -> Bool {
        counts[i] != counts[j] ? counts[i] > counts[j] : keys[i] < keys[j]
    }

    private mutating func swapAt(_ i: Int, _ j: Int) {
        counts.swapAt(i, j)
        keys.swapAt(i, j)
    }

    mutating func push(count: Int, key: UInt64) {
        counts.append(count)
        keys.append(key)
        var i = counts.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            if !above(i, parent) { break }
            swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> (count: Int, key: UInt64)? {
        guard !counts.isEmpty else { return nil }
        let top = (counts[0], keys[0])
        swapAt(0, counts.count - 1)
        counts.removeLast()
        keys.removeLast()
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var best = i
            if l < counts.count && above(l, best) { best = l }
            if r < counts.count && above(r, best) { best = r }
            if best == i { break }
            swapAt(i, best)
            i = best
        }
        return top
    }
}
