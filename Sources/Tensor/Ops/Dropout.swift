/// Inverted dropout: kept values are scaled by 1/(1−p) so the expectation is unchanged
/// and inference needs no rescaling. The mask comes from a seeded generator, so a run
/// replays exactly.
extension Tensor {
    public func dropout(p: Float, generator: inout SeededGenerator) -> Tensor {
        precondition(p >= 0 && p <= 1, "dropout probability \(p) outside [0, 1]")
        if p == 0 { return self }
        // One uniform draw per element, in element order (reproducible, serial).
        let keep = Tensor.empty(shape)
        let scale: Float = p < 1 ? 1 / (1 - p) : 0
        let kp = keep.pointer
        for i in 0..<count { kp[i] = generator.nextUniform() < p ? 0 : scale }
        let out = zipLanes(keep) { $0 * $1 }
        return Tensor.record(out, op: "dropout", inputs: [self]) { g, _ in
            self.accumulateGrad(g.zipLanes(keep) { $0 * $1 }, owned: true)
        }
    }
}
