/// The valid answers of a closed task (catalogue titles, genre names) as token sequences
/// in a prefix tree. Constrained beam search follows only its edges, so every beam is a
/// real answer and the top-K beams rank the whole catalogue.
///
/// Answers are inserted in sorted token order, so each node's answers form one contiguous
/// range; `AnswerMask` uses that to skip subtrees whose answers are all masked (items the
/// user already rated) in O(1) per edge.
public struct AnswerTrie: Sendable {
    struct Node: Sendable {
        var tokens: [Int32] = []
        var children: [Int32] = []
        /// Answers whose sequence ends exactly here (duplicate titles share a node).
        var answers: [Int32] = []
        /// The answers of this subtree, as positions in `sortedAnswers`.
        var range: Range<Int> = 0..<0
    }

    private(set) var nodes: [Node] = [Node()]
    /// Answer indices in the trie's sorted order.
    private(set) var sortedAnswers: [Int32] = []
    /// For each answer index, its position in `sortedAnswers`.
    private(set) var position: [Int32] = []
    public let sequences: [[Int32]]
    /// Tokens of the longest answer: the most steps a search can take.
    public let maxLength: Int

    public static let root = 0

    /// `sequences[i]` is the token sequence of answer `i`, including its end token, so that
    /// no answer is a strict prefix of another ("Heat" vs "Heat (1995)") at a terminal.
    public init(sequences: [[Int32]]) {
        self.sequences = sequences
        maxLength = sequences.map(\.count).max() ?? 0
        let order = sequences.indices.sorted { sequences[$0].lexicographicallyPrecedes(sequences[$1]) }
        position = [Int32](repeating: 0, count: sequences.count)
        for (rank, answer) in order.enumerated() {
            position[answer] = Int32(rank)
            sortedAnswers.append(Int32(answer))
            var node = AnswerTrie.root
            for token in sequences[answer] {
                if let i = nodes[node].tokens.lastIndex(of: token) {
                    node = Int(nodes[node].children[i])
                    nodes[node].range = nodes[node].range.lowerBound..<(rank + 1)
                } else {
                    nodes.append(Node(range: rank..<(rank + 1)))
                    nodes[node].tokens.append(token)
                    nodes[node].children.append(Int32(nodes.count - 1))
                    node = nodes.count - 1
                }
            }
            nodes[node].answers.append(Int32(answer))
        }
        nodes[AnswerTrie.root].range = 0..<sequences.count
    }

    public var nodeCount: Int { nodes.count }

    /// The tokens that may follow the prefix ending at `node`, and the node each leads to.
    public func edges(from node: Int) -> (tokens: [Int32], children: [Int32]) {
        (nodes[node].tokens, nodes[node].children)
    }

    /// The answers completed at `node` (empty for inner nodes).
    public func answers(at node: Int) -> [Int32] { nodes[node].answers }

    /// Follows `tokens` from the root; nil when they leave the trie.
    public func node(after tokens: [Int32]) -> Int? {
        var node = AnswerTrie.root
        for t in tokens {
            guard let i = nodes[node].tokens.firstIndex(of: t) else { return nil }
            node = Int(nodes[node].children[i])
        }
        return node
    }

    /// Answers excluded for one user; `allows(node)` is true while a subtree still holds
    /// an allowed answer.
    public struct AnswerMask: Sendable {
        /// allowedBefore[i] = number of allowed answers among the first i in sorted order.
        private var allowedBefore: [Int32]
        private let trie: AnswerTrie

        public init(trie: AnswerTrie, excluding excluded: Set<Int32>) {
            self.trie = trie
            allowedBefore = [0]
            allowedBefore.reserveCapacity(trie.sortedAnswers.count + 1)
            var running: Int32 = 0
            for answer in trie.sortedAnswers {
                if !excluded.contains(answer) { running += 1 }
                allowedBefore.append(running)
            }
        }

        public func allows(node: Int) -> Bool {
            let r = trie.nodes[node].range
            return allowedBefore[r.upperBound] - allowedBefore[r.lowerBound] > 0
        }

        public func allows(answer: Int32) -> Bool {
            let p = Int(trie.position[Int(answer)])
            return allowedBefore[p + 1] - allowedBefore[p] > 0
        }
    }
}
