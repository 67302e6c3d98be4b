/// ROUGE F-scores for review generation, computed as Google's `rouge-score` package does
/// (the implementation papers report): lower-case, every run of characters outside
/// [a-z0-9] is a separator, no stemming. ROUGE-Lsum splits on newlines (`splitSentences`
/// puts one after each sentence first, as pipelines do with nltk before scoring).
public enum Rouge {
    public struct Score: Sendable, Equatable, Codable {
        public var precision: Double
        public var recall: Double
        public var f1: Double

        init(hits: Int, predicted: Int, reference: Int) {
            precision = predicted > 0 ? Double(hits) / Double(predicted) : 0
            recall = reference > 0 ? Double(hits) / Double(reference) : 0
            f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0
        }
    }

    /// ROUGE-1, ROUGE-2, ROUGE-L and ROUGE-Lsum of one prediction against one reference.
    public struct Scores: Sendable, Equatable, Codable {
        public var rouge1: Score
        public var rouge2: Score
        public var rougeL: Score
        public var rougeLsum: Score
    }

    public static func score(prediction: String, reference: String) -> Scores {
        let p = tokenize(prediction), r = tokenize(reference)
        return Scores(rouge1: ngramScore(p, r, n: 1), rouge2: ngramScore(p, r, n: 2),
                      rougeL: Score(hits: lcsLength(r, p), predicted: p.count, reference: r.count),
                      rougeLsum: summaryLCS(prediction: prediction, reference: reference))
    }

    /// rouge-score's default tokenizer: lower-case, non-alphanumerics become spaces.
    public static func tokenize(_ text: String) -> [String] {
        var tokens: [String] = []
        var current: [UInt8] = []
        for byte in text.lowercased().utf8 {
            if (byte >= 97 && byte <= 122) || (byte >= 48 && byte <= 57) {
                current.append(byte)
            } else if !current.isEmpty {
                tokens.append(String(decoding: current, as: UTF8.self))
                current.removeAll(keepingCapacity: true)
            }
        }
        if !current.isEmpty { tokens.append(String(decoding: current, as: UTF8.self)) }
        return tokens
    }

    /// One sentence per line: a newline after '.', '!' or '?' followed by white space.
    public static func splitSentences(_ text: String) -> String {
        var out = ""
        var previous: Character = " "
        for ch in text {
            if ch.isWhitespace && ".!?".contains(previous) {
                out.append("\n")
            } else {
                out.append(ch)
            }
            previous = ch
        }
        return out
    }

    static func ngramScore(_ prediction: [String], _ reference: [String], n: Int) -> Score {
        func counts(_ tokens: [String]) -> [ArraySlice<String>: Int] {
            var c: [ArraySlice<String>: Int] = [:]
            if tokens.count >= n { for i in 0...(tokens.count - n) { c[tokens[i..<(i + n)], default: 0] += 1 } }
            return c
        }
        let pc = counts(prediction), rc = counts(reference)
        // Overlap is clipped: an n-gram counts as often as the rarer side has it.
        let hits = pc.reduce(0) { $0 + min($1.value, rc[$1.key] ?? 0) }
        return Score(hits: hits, predicted: pc.values.reduce(0, +), reference: rc.values.reduce(0, +))
    }

    /// The LCS table, rows over `a`.
    static func lcsTable(_ a: [String], _ b: [String]) -> [[Int]] {
        var t = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        if a.isEmpty || b.isEmpty { return t }
        for i in 1...a.count {
            for j in 1...b.count {
                t[i][j] = a[i - 1] == b[j - 1] ? t[i - 1][j - 1] + 1 : max(t[i - 1][j], t[i][j - 1])
            }
        }
        return t
    }

    static func lcsLength(_ a: [String], _ b: [String]) -> Int { lcsTable(a, b)[a.count][b.count] }

    /// Indices into `reference` of one LCS with `candidate`, backtracked as rouge-score does
    /// (the tie-break decides which LCS, which matters for the union in ROUGE-Lsum).
    static func lcsIndices(_ reference: [String], _ candidate: [String]) -> [Int] {
        let t = lcsTable(reference, candidate)
        var i = reference.count, j = candidate.count
        var indices: [Int] = []
        while i > 0 && j > 0 {
            if reference[i - 1] == candidate[j - 1] {
                indices.append(i - 1)
                i -= 1
                j -= 1
            } else if t[i][j - 1] > t[i - 1][j] {
                j -= 1
            } else {
                i -= 1
            }
        }
        return indices.reversed()
    }

    /// Summary-level LCS: per reference sentence, the union of its LCS with every predicted
    /// sentence; a token counts at most as often as each side has it.
    static func summaryLCS(prediction: String, reference: String) -> Score {
        let refSentences = reference.split(separator: "\n", omittingEmptySubsequences: false)
            .map { tokenize(String($0)) }.filter { !$0.isEmpty }
        let predSentences = prediction.split(separator: "\n", omittingEmptySubsequences: false)
            .map { tokenize(String($0)) }.filter { !$0.isEmpty }
        let refCount = refSentences.reduce(0) { $0 + $1.count }
        let predCount = predSentences.reduce(0) { $0 + $1.count }
        guard refCount > 0, predCount > 0 else { return Score(hits: 0, predicted: predCount, reference: refCount) }
        var refLeft: [String: Int] = [:], predLeft: [String: Int] = [:]
        for s in refSentences { for t in s { refLeft[t, default: 0] += 1 } }
        for s in predSentences { for t in s { predLeft[t, default: 0] += 1 } }
        var hits = 0
        for sentence in refSentences {
            var union = Set<Int>()
            for candidate in predSentences { union.formUnion(lcsIndices(sentence, candidate)) }
            for index in union.sorted() {
                let token = sentence[index]
                if (predLeft[token] ?? 0) > 0 && (refLeft[token] ?? 0) > 0 {
                    hits += 1
                    predLeft[token]! -= 1
                    refLeft[token]! -= 1
                }
            }
        }
        return Score(hits: hits, predicted: predCount, reference: refCount)
    }
}
