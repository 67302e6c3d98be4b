import Foundation
import Tensor

/// Per-row token arithmetic of the decoding loops, on buffers reused across steps.
struct TokenScores {
    /// One row's log-probabilities (V), rewritten each step.
    private(set) var logProbs: [Float]
    private var order: [Int32]
    private var probs: [Float]

    init(vocabSize: Int) {
        logProbs = [Float](repeating: 0, count: vocabSize)
        order = [Int32](repeating: 0, count: vocabSize)
        probs = [Float](repeating: 0, count: vocabSize)
    }

    /// log softmax of `row` (V logits) into `logProbs`.
    mutating func logSoftmax(_ row: UnsafePointer<Float>) {
        let n = logProbs.count
        let (m, logSum) = VectorMath.logSumExp(row, n)
        logProbs.withUnsafeMutableBufferPointer { out in
            for i in 0..<n { out[i] = (row[i] - m) - logSum }
        }
    }

    static func argmax(_ row: UnsafePointer<Float>, _ n: Int) -> Int32 {
        var best = 0
        for i in 1..<n where row[i] > row[best] { best = i }
        return Int32(best)
    }

    /// The `k` best tokens of `logProbs` into `heap`, best first (ties: lower id first);
    /// `heap` keeps its capacity from call to call.
    func top(_ k: Int, into heap: inout [(token: Int32, logProb: Float)]) {
        heap.removeAll(keepingCapacity: true)
        heap.reserveCapacity(k + 1)
        for (i, lp) in logProbs.enumerated() {
            if heap.count == k, let worst = heap.last, lp <= worst.logProb { continue }
            let at = heap.firstIndex { lp > $0.logProb } ?? heap.count
            heap.insert((Int32(i), lp), at: at)
            if heap.count > k { heap.removeLast() }
        }
    }

    /// Draws a token from `row` (V logits) under `config` (temperature > 0).
    mutating func sample(_ row: UnsafePointer<Float>, config: SamplingConfig,
                         generator: inout SeededGenerator) -> Int32 {
        let n = probs.count
        let invT = 1 / config.temperature
        let m = VectorMath.max(row, n)
        var total: Float = 0
        for i in 0..<n {
            probs[i] = Foundation.exp((row[i] - m) * invT)
            total += probs[i]
        }
        for i in 0..<n { order[i] = Int32(i) }
        var kept = n
        let k = min(config.topK ?? n, n)
        if k < n || config.topP < 1 {
            // Most likely first; ties by id so that the cut is deterministic.
            order.sort { probs[Int($0)] != probs[Int($1)] ? probs[Int($0)] > probs[Int($1)] : $0 < $1 }
            kept = max(1, k)
            if config.topP < 1 {
                var mass: Float = 0
                var i = 0
                while i < kept {
                    mass += probs[Int(order[i])] / total
                    i += 1
                    if mass >= config.topP { break }
                }
                kept = i
            }
            total = 0
            for i in 0..<kept { total += probs[Int(order[i])] }
        }
        var u = generator.nextUniform() * total
        for i in 0..<kept {
            u -= probs[Int(order[i])]
            if u < 0 { return order[i] }
        }
        // Rounding left u ≥ 0 after the last token: take the last kept one with mass.
        return order[(0..<kept).last { probs[Int(order[$0])] > 0 } ?? 0]
    }
}
