/// llama.cpp's way of finding added (control and user-defined) tokens in text
/// (`tokenizer_st_partition`): the longest token is cut out of the whole text first, every
/// occurrence left to right; the next longest is then searched only in the stretches left
/// between, and so on. Where no two matches overlap this equals a leftmost-longest scan;
/// where they do ("ab" and "bcd" in "abcd"), the longer token wins wherever it stands.
extension BPETokenizer {
    /// The matches in `bytes`, sorted by position.
    func addedTokenMatchesLongestFirst(_ bytes: UnsafeBufferPointer<UInt8>, allowSpecial: Bool,
                                       specialAllowed: ((Int, Int) -> Bool)?) -> [(start: Int, length: Int, id: Int32)] {
        // The text as stretches: raw text still to search, or a matched token.
        var stretches: [(start: Int, length: Int, id: Int32?)] = [(0, bytes.count, nil)]
        for t in addedTokensLongestFirst {
            let token = addedTokens[t]
            if token.special && !allowSpecial { continue }
            let content = addedTokenBytes[t]
            guard !content.isEmpty else { continue }
            var next: [(start: Int, length: Int, id: Int32?)] = []
            next.reserveCapacity(stretches.count)
            for s in stretches {
                guard s.id == nil, s.length >= content.count else {
                    next.append(s)
                    continue
                }
                var from = s.start
                var i = s.start
                let end = s.start + s.length
                while i + content.count <= end {
                    if bytes[i] == content[0] && Self.matches(bytes, at: i, content)
                        && (!token.special || specialAllowed?(i, i + content.count) ?? true) {
                        if i > from { next.append((from, i - from, nil)) }
                        next.append((i, content.count, token.id))
                        i += content.count
                        from = i
                    } else {
                        i += 1
                    }
                }
                if end > from { next.append((from, end - from, nil)) }
            }
            stretches = next
        }
        return stretches.compactMap { s in s.id.map { (s.start, s.length, $0) } }
    }

    private static func matches(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int, _ content: [UInt8]) -> Bool {
        for k in 1..<content.count where bytes[i + k] != content[k] { return false }
        return true
    }
}
