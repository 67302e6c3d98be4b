/// Token sequences padded to one length for a training step: inputs and next-token targets,
/// row-major (B, T). Targets are `ignoreIndex` wherever no loss is taken (prompt, padding).
public struct TokenBatch: Sendable {
    public static let ignoreIndex: Int32 = -100
    public var batch: Int
    public var length: Int
    /// (B, T) input ids, padded with <|pad|>.
    public var inputs: [Int32]
    /// (B, T) target ids: targets[b, t] is the token after inputs[b, t], or ignoreIndex.
    public var targets: [Int32]
    /// Positions (flattened b·T + t) whose target counts, in order: the logits to compute.
    public var lossPositions: [Int32]
    /// Real (unpadded) input length of each row.
    public var lengths: [Int]

    /// Pads `sequences` (each a full token list) and shifts them into inputs/targets. Token
    /// i+1 is a target exactly where `lossMask(row)[i+1]` is true.
    public init(sequences: [[Int32]], lossMasks: [[Bool]], pad: Int32) {
        precondition(sequences.count == lossMasks.count && !sequences.isEmpty)
        batch = sequences.count
        length = max(1, sequences.map { $0.count - 1 }.max() ?? 1)
        inputs = Array(repeating: pad, count: batch * length)
        targets = Array(repeating: Self.ignoreIndex, count: batch * length)
        lossPositions = []
        lengths = []
        for (b, seq) in sequences.enumerated() {
            precondition(seq.count == lossMasks[b].count, "loss mask length differs from its sequence")
            let n = seq.count - 1
            lengths.append(n)
            for t in 0..<n {
                inputs[b * length + t] = seq[t]
                if lossMasks[b][t + 1] {
                    targets[b * length + t] = seq[t + 1]
                    lossPositions.append(Int32(b * length + t))
                }
            }
        }
    }

    /// Tokens whose targets count.
    public var targetCount: Int { lossPositions.count }
    /// The counted targets in `lossPositions` order.
    public var lossTargets: [Int32] { lossPositions.map { targets[Int($0)] } }
}
