import Foundation
import Tensor

/// Adam with decoupled weight decay, step for step as `torch.optim.AdamW` (non-fused,
/// amsgrad off), per parameter p with gradient g at its t-th update:
///
///   p ← p · (1 − lr·wd)                          (only parameters that decay)
///   m ← β1·m + (1 − β1)·g
///   v ← β2·v + (1 − β2)·g²
///   p ← p − (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + eps)
///
/// Parameters that do not require a gradient (frozen) or have none yet are skipped and
/// their step counts stay put. State (m, v, t) lives per parameter name.
public final class AdamW {
    public var config: AdamWConfig
    public let parameters: [(String, Tensor)]
    /// Whether each parameter decays, in `parameters` order.
    public let decays: [Bool]
    private var m: [Tensor?]
    private var v: [Tensor?]
    private var steps: [Int]

    /// `decay`: which parameters get weight decay; by default those of rank ≥ 2 (matrices
    /// and embeddings), not biases, norms or gates — nanoGPT's grouping.
    public init(parameters: [(String, Tensor)], config: AdamWConfig = AdamWConfig(),
                decay: ((String, Tensor) -> Bool)? = nil) {
        self.parameters = parameters
        self.config = config
        decays = parameters.map { decay?($0.0, $0.1) ?? ($0.1.rank >= 2) }
        m = Array(repeating: nil, count: parameters.count)
        v = Array(repeating: nil, count: parameters.count)
        steps = Array(repeating: 0, count: parameters.count)
    }

    /// The learning rate of the next step (set it from a schedule before `step()`).
    public var learningRate: Float {
        get { config.learningRate }
        set { config.learningRate = newValue }
    }

    /// Updates every trainable parameter that has a gradient.
    public func step() {
        let lr = config.learningRate, b1 = config.beta1, b2 = config.beta2, eps = config.eps
        for (i, (_, p)) in parameters.enumerated() {
            guard p.requiresGrad, let g = p.grad else { continue }
            steps[i] += 1
            let t = Double(steps[i])
            if m[i] == nil { m[i] = Tensor.zeros(p.shape); v[i] = Tensor.zeros(p.shape) }
            let mp = m[i]!.pointer, vp = v[i]!.pointer, pp = p.pointer, gp = g.pointer
            // Bias corrections in Double, as PyTorch computes them in Python floats.
            let stepSize = Float(Double(lr) / (1 - pow(Double(b1), t)))
            let correction2 = Float((1 - pow(Double(b2), t)).squareRoot())
            let shrink = decays[i] ? 1 - lr * config.weightDecay : 1
            Parallel.forEach(p.count, workPerItem: 12) { range in
                for j in range {
                    let gj = gp[j]
                    let mj = b1 * mp[j] + (1 - b1) * gj
                    let vj = b2 * vp[j] + (1 - b2) * gj * gj
                    mp[j] = mj
                    vp[j] = vj
                    pp[j] = pp[j] * shrink - stepSize * mj / (vj.squareRoot() / correction2 + eps)
                }
            }
        }
    }

    /// Clears the gradients of all parameters.
    public func zeroGrad() { for (_, p) in parameters { p.zeroGrad() } }

    /// The optimiser's state for a checkpoint: "<name>.exp_avg", "<name>.exp_avg_sq" and
    /// "<name>.step" (a (1) tensor), PyTorch's state names, for parameters updated at least once.
    public func state() -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (i, (name, _)) in parameters.enumerated() where steps[i] > 0 {
            out["\(name).exp_avg"] = m[i]!.copy()
            out["\(name).exp_avg_sq"] = v[i]!.copy()
            out["\(name).step"] = Tensor(shape: [1], values: [Float(steps[i])])
        }
        return out
    }

    /// Restores `state()`; parameters absent from it start fresh. Shapes must match.
    public func loadState(_ state: [String: Tensor]) throws {
        var newM = m, newV = v, newSteps = steps
        for (i, (name, p)) in parameters.enumerated() {
            guard let step = state["\(name).step"] else {
                (newM[i], newV[i], newSteps[i]) = (nil, nil, 0)
                continue
            }
            guard let ma = state["\(name).exp_avg"], let va = state["\(name).exp_avg_sq"] else {
                throw ModuleLoadError.missing("\(name).exp_avg")
            }
            for (key, t) in [("exp_avg", ma), ("exp_avg_sq", va)] where t.shape != p.shape {
                throw ModuleLoadError.shapeMismatch(name: "\(name).\(key)", expected: p.shape, found: t.shape)
            }
            (newM[i], newV[i], newSteps[i]) = (ma.copy(), va.copy(), Int(step.pointer[0]))
        }
        (m, v, steps) = (newM, newV, newSteps)
    }
}
