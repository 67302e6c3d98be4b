/// Merging a long word (a run of thousands of digits or emoji in a review) with a heap,
/// the way Hugging Face's `Word::merge_all` does: symbols in a linked list, candidate
/// merges keyed by (rank, position), expired candidates skipped when popped.
extension BPETokenizer {
    func mergeLongWord(_ initial: [Int32]) -> [Int32] {
        let n = initial.count
        var symbol = initial
        var prev = (0..<n).map { $0 - 1 }
        var next = (0..<n).map { $0 + 1 == n ? -1 : $0 + 1 }
        var alive = [Bool](repeating: true, count: n)
        // Min-heap of candidates: (rank << 32 | position), with the merge's result beside it.
        var heap = CandidateHeap()
        func lookup(_ a: Int32, _ b: Int32) -> (rank: UInt32, result: Int32)? {
            guard let v = mergeLookup[Self.pairKey(a, b)] else { return nil }
            return (UInt32(truncatingIfNeeded: v >> 32), Int32(bitPattern: UInt32(truncatingIfNeeded: v)))
        }
        for i in 0..<(n - 1) {
            if let m = lookup(symbol[i], symbol[i + 1]) { heap.push(rank: m.rank, position: i, result: m.result) }
        }
        while let top = heap.pop() {
            let pos = top.position
            guard alive[pos], next[pos] >= 0 else { continue }
            let right = next[pos]
            // Expired: the pair at `pos` is no longer the one this candidate was made for.
            guard let m = lookup(symbol[pos], symbol[right]), m.result == top.result else { continue }
            symbol[pos] = top.result
            alive[right] = false
            next[pos] = next[right]
            if next[right] >= 0 { prev[next[right]] = pos }
            if prev[pos] >= 0, let l = lookup(symbol[prev[pos]], symbol[pos]) {
                heap.push(rank: l.rank, position: prev[pos], result: l.result)
            }
            if next[pos] >= 0, let r = lookup(symbol[pos], symbol[next[pos]]) {
                heap.push(rank: r.rank, position: pos, result: r.result)
            }
        }
        var out: [Int32] = []
        var i = 0
        while i >= 0 {
            out.append(symbol[i])
            i = next[i]
        }
        return out
    }
}

/// Min-heap of merge candidates ordered by (rank, position).
struct CandidateHeap {
    private var keys: [UInt64] = []
    private var results: [Int32] = []

    mutating func push(rank: UInt32, position: Int, result: Int32) {
        keys.append(UInt64(rank) << 32 | UInt64(position))
        results.append(result)
        var i = keys.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            if keys[parent] <= keys[i] { break }
            keys.swapAt(i, parent)
            results.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> (position: Int, result: Int32)? {
        guard let first = keys.first else { return nil }
        let top = (Int(first & 0xFFFF_FFFF), results[0])
        keys.swapAt(0, keys.count - 1)
        results.swapAt(0, results.count - 1)
        keys.removeLast()
        results.removeLast()
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var smallest = i
            if l < keys.count && keys[l] < keys[smallest] { smallest = l }
            if r < keys.count && keys[r] < keys[smallest] { smallest = r }
            if smallest == i { break }
            keys.swapAt(i, smallest)
            results.swapAt(i, smallest)
            i = smallest
        }
        return top
    }
}
