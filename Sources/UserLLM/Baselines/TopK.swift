/// The k best-scored candidates, best first, skipping excluded ones; ties go to the lower
/// index so rankings are deterministic. O(n·k) in the worst case, ~O(n) in practice.
enum TopK {
    static func select(count n: Int, k: Int, score: (Int) -> Float, excluded: (Int) -> Bool) -> [Int] {
        var best: [(index: Int, score: Float)] = []
        best.reserveCapacity(k + 1)
        for i in 0..<n where !excluded(i) {
            let s = score(i)
            if best.count == k, let last = best.last, !(s > last.score) { continue }
            // Insert after equal scores: an earlier (lower) index wins a tie.
            var at = best.count
            while at > 0 && best[at - 1].score < s { at -= 1 }
            best.insert((i, s), at: at)
            if best.count > k { best.removeLast() }
        }
        return best.map(\.index)
    }
}
