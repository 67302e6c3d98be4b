import XCTest
import UserLLM

final class AnswerTrieTests: XCTestCase {
    // Answers end with token 0 (an end marker); 2 and 3 share the prefix [5, 6]; 4 duplicates 1.
    let sequences: [[Int32]] = [[7, 0], [5, 6, 0], [5, 6, 8, 0], [5, 9, 0], [5, 6, 0]]

    func testWalkFindsEveryAnswerAndOnlyThem() {
        let trie = AnswerTrie(sequences: sequences)
        for (i, s) in sequences.enumerated() {
            let node = trie.node(after: s)
            XCTAssertNotNil(node)
            XCTAssertTrue(trie.answers(at: node!).contains(Int32(i)))
        }
        XCTAssertEqual(Set(trie.answers(at: trie.node(after: [5, 6, 0])!)), [1, 4])
        XCTAssertNil(trie.node(after: [6]))
        XCTAssertEqual(Set(trie.edges(from: AnswerTrie.root).tokens), [5, 7])
        XCTAssertEqual(Set(trie.edges(from: trie.node(after: [5])!).tokens), [6, 9])
        // Enumerating every path from the root reaches exactly the answers.
        var found: [Int32] = []
        var stack = [AnswerTrie.root]
        while let n = stack.popLast() {
            found += trie.answers(at: n)
            stack += trie.edges(from: n).children.map(Int.init)
        }
        XCTAssertEqual(found.sorted(), [0, 1, 2, 3, 4])
    }

    func testMaskPrunesSubtreesWithNoAllowedAnswer() {
        let trie = AnswerTrie(sequences: sequences)
        let mask = AnswerTrie.AnswerMask(trie: trie, excluding: [1, 2, 4])
        XCTAssertFalse(mask.allows(node: trie.node(after: [5, 6])!))
        XCTAssertTrue(mask.allows(node: trie.node(after: [5])!))   // answer 3 is still below
        XCTAssertTrue(mask.allows(node: AnswerTrie.root))
        XCTAssertFalse(mask.allows(answer: 2))
        XCTAssertTrue(mask.allows(answer: 3))
        let all = AnswerTrie.AnswerMask(trie: trie, excluding: [0, 1, 2, 3, 4])
        XCTAssertFalse(all.allows(node: AnswerTrie.root))
    }
}
