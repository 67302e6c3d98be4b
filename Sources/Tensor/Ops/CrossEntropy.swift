import Foundation

/// Cross-entropy fused with its log-softmax: one pass per row keeps the log-sum-exp, the
/// backward is softmax − target from it. Nothing (N, C) is stored besides the logits.
extension Tensor {
    /// Mean over rows whose target is not `ignoreIndex` of −log softmax(logits)[target].
    /// logits (N, C), targets N class indices. All rows ignored → 0 (and no gradient),
    /// where PyTorch would give NaN: a fully padded batch should not poison training.
    public static func crossEntropy(logits: Tensor, targets: [Int32], ignoreIndex: Int32 = -100) -> Tensor {
        precondition(logits.rank == 2, "crossEntropy logits must be (N, C), got \(logits.shape)")
        let n = logits.shape[0], c = logits.shape[1]
        precondition(targets.count == n, "crossEntropy: \(targets.count) targets for \(n) rows")
        if let bad = targets.firstIndex(where: { $0 != ignoreIndex && ($0 < 0 || Int($0) >= c) }) {
            preconditionFailure("crossEntropy: target \(targets[bad]) at row \(bad) outside \(c) classes")
        }
        let counted = targets.reduce(0) { $0 + ($1 == ignoreIndex ? 0 : 1) }
        var maxima = [Float](repeating: 0, count: n), logSums = maxima, rowLoss = maxima
        let x = logits.pointer
        maxima.withUnsafeMutableBufferPointer { maxima in
            logSums.withUnsafeMutableBufferPointer { logSums in
                rowLoss.withUnsafeMutableBufferPointer { loss in
                    Parallel.forEach(n, workPerItem: 25 * c) { range in
                        for i in range where targets[i] != ignoreIndex {
                            let row = x + i * c
                            (maxima[i], logSums[i]) = VectorMath.logSumExp(row, c)
                            loss[i] = logSums[i] - (row[Int(targets[i])] - maxima[i])
                        }
                    }
                }
            }
        }
        // Row losses summed in Double: N can reach 10⁴ and the mean should not drift.
        let total = rowLoss.reduce(0.0) { $0 + Double($1) }
        let out = Tensor.scalar(counted > 0 ? Float(total / Double(counted)) : 0)
        return record(out, op: "cross_entropy", inputs: [logits]) { g, _ in
            guard logits.requiresGrad, counted > 0 else { return }
            // d/dlogits = (softmax − onehot) · g / counted; ignored rows 0.
            let scale = g.item / Float(counted)
            let dx = Tensor.empty(logits.shape)
            let dp = dx.pointer
            Parallel.forEach(n, workPerItem: 25 * c) { range in
                for i in range {
                    let row = x + i * c, drow = dp + i * c
                    guard targets[i] != ignoreIndex else {
                        for j in 0..<c { drow[j] = 0 }
                        continue
                    }
                    let m = maxima[i], logSum = logSums[i]
                    Elementwise.map(row, drow, count: c) { VectorMath.exp(($0 - m) - logSum) * scale }
                    drow[Int(targets[i])] -= scale
                }
            }
            logits.accumulateGrad(dx, owned: true)
        }
    }

    /// Mean over rows of −Σ_c p_c · log softmax(logits)_c for target distributions
    /// `softTargets` (N, C) (multi-valued features). Rows whose targets sum to 0 are
    /// ignored and not counted. Targets are constants: no gradient flows into them.
    public static func crossEntropy(logits: Tensor, softTargets: Tensor) -> Tensor {
        precondition(logits.rank == 2 && softTargets.shape == logits.shape,
                     "crossEntropy logits \(logits.shape) and soft targets \(softTargets.shape) must both be (N, C)")
        let n = logits.shape[0], c = logits.shape[1]
        let x = logits.pointer, p = softTargets.pointer
        var maxima = [Float](repeating: 0, count: n), logSums = maxima, mass = maxima, rowLoss = maxima
        maxima.withUnsafeMutableBufferPointer { maxima in
            logSums.withUnsafeMutableBufferPointer { logSums in
                mass.withUnsafeMutableBufferPointer { mass in
                    rowLoss.withUnsafeMutableBufferPointer { loss in
                        Parallel.forEach(n, workPerItem: 30 * c) { range in
                            for i in range {
                                let row = x + i * c, target = p + i * c
                                mass[i] = VectorMath.sum(target, c)
                                guard mass[i] != 0 else { continue }
                                // −Σ p·(x − m − logSum) = mass·logSum − Σ p·(x − m)
                                (maxima[i], logSums[i]) = VectorMath.logSumExp(row, c)
                                let m = maxima[i]
                                var px: Float = 0
                                for j in 0..<c { px += target[j] * (row[j] - m) }
                                loss[i] = mass[i] * logSums[i] - px
                            }
                        }
                    }
                }
            }
        }
        let counted = mass.reduce(0) { $0 + ($1 == 0 ? 0 : 1) }
        let total = rowLoss.reduce(0.0) { $0 + Double($1) }
        let out = Tensor.scalar(counted > 0 ? Float(total / Double(counted)) : 0)
        return record(out, op: "soft_cross_entropy", inputs: [logits]) { g, _ in
            guard logits.requiresGrad, counted > 0 else { return }
            // d/dlogits = (mass · softmax − p) · g / counted
            let scale = g.item / Float(counted)
            let dx = Tensor.empty(logits.shape)
            let dp = dx.pointer
            Parallel.forEach(n, workPerItem: 25 * c) { range in
                for i in range {
                    let drow = dp + i * c
                    guard mass[i] != 0 else {
                        for j in 0..<c { drow[j] = 0 }
                        continue
                    }
                    let m = maxima[i], logSum = logSums[i], k = mass[i] * scale
                    // softTargets (not its pointer) is captured: it is not on the tape.
                    Elementwise.zip(x + i * c, softTargets.pointer + i * c, drow, count: c) { xv, pv in
                        VectorMath.exp((xv - m) - logSum) * k - pv * scale
                    }
                }
            }
            logits.accumulateGrad(dx, owned: true)
        }
    }
}
