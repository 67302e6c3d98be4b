/// Analytic FLOP count of one training step of the LLM with gated cross-attention, so the
/// step's speed can be stated as GFLOP/s against the sgemm peak.
///
/// Matrix products only (norms, softmax and elementwise work are a few percent at these
/// sizes); a multiply-add counts 2. Backward costs twice the forward (a gradient for
/// each operand of every product). Attention counts the full T×T score matrix, as both
/// this engine and PyTorch's CPU path compute it before masking (the PaLM convention).
struct BenchFLOPs {
    var batch: Int
    var tokens: Int
    var users: Int
    var d: Int
    var layers: Int
    var hidden: Int
    var vocab: Int
    var contextDim: Int

    var forward: Double {
        let b = Double(batch), t = Double(tokens), m = Double(users)
        let d = Double(d), h = Double(hidden), v = Double(vocab), c = Double(contextDim)
        let rows = b * t
        let selfProjections = 4 * 2 * rows * d * d               // wq wk wv wo
        let selfScores = 2 * 2 * b * t * t * d                   // QKᵀ and A·V, all heads
        let crossProjections = 2 * 2 * rows * d * d + 2 * 2 * b * m * c * d  // wq wo on text, wk wv on U
        let crossScores = 2 * 2 * b * t * m * d
        let mlp = 3 * 2 * rows * d * h                           // w1 w3 w2
        let perLayer = selfProjections + selfScores + crossProjections + crossScores + mlp
        let head = 2 * rows * d * v                              // tied embedding as the output head
        return Double(layers) * perLayer + head
    }

    var step: Double { 3 * forward }
}
