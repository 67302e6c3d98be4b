import Tensor

/// Scales all gradients together so that their global L2 norm is at most `maxNorm`, as
/// `torch.nn.utils.clip_grad_norm_`: coefficient maxNorm / (norm + 1e-6), applied only when
/// below 1. Parameters without a gradient are ignored. Returns the norm before clipping.
@discardableResult
public func clipGradNorm(_ parameters: [(String, Tensor)], maxNorm: Float) -> Float {
    let grads = parameters.compactMap { $0.1.grad }
    var total = 0.0
    for g in grads {
        let p = g.pointer
        var s: Float = 0
        for i in 0..<g.count { s += p[i] * p[i] }
        total += Double(s)
    }
    let norm = Float(total.squareRoot())
    let coefficient = maxNorm / (norm + 1e-6)
    if coefficient < 1 {
        for g in grads {
            let p = g.pointer
            for i in 0..<g.count { p[i] *= coefficient }
        }
    }
    return norm
}
