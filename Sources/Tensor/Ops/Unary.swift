import Foundation

/// Elementwise functions. Each backward reuses whichever of input or output makes the
/// derivative cheapest (exp, tanh, sigmoid, sqrt from the output; the rest from the input).
extension Tensor {
    public func exp() -> Tensor {
        let out = mapLanes(work: 20) { VectorMath.exp($0) }
        return Tensor.record(out, op: "exp", inputs: [self]) { g, out in
            self.accumulateGrad(g.zipLanes(out) { $0 * $1 }, owned: true)
        }
    }

    public func log() -> Tensor {
        let out = Tensor.empty(shape)
        let src = pointer, dst = out.pointer
        Parallel.forEach(count, workPerItem: 20) { range in
            for i in range { dst[i] = Foundation.log(src[i]) }
        }
        return Tensor.record(out, op: "log", inputs: [self]) { g, _ in
            self.accumulateGrad(g.zipLanes(self) { $0 / $1 }, owned: true)
        }
    }

    /// Exact `tanhf` per element (the gate tanh(α) starts at α = 0, where a fast
    /// approximation's relative error would show).
    public func tanh() -> Tensor {
        let out = Tensor.empty(shape)
        let src = pointer, dst = out.pointer
        Parallel.forEach(count, workPerItem: 20) { range in
            for i in range { dst[i] = Foundation.tanh(src[i]) }
        }
        return Tensor.record(out, op: "tanh", inputs: [self]) { g, out in
            self.accumulateGrad(g.zipLanes(out) { g, y in g * (1 - y * y) }, owned: true)
        }
    }

    public func sigmoid() -> Tensor {
        let out = mapLanes(work: 20) { 1 / (1 + VectorMath.exp(-$0)) }
        return Tensor.record(out, op: "sigmoid", inputs: [self]) { g, out in
            self.accumulateGrad(g.zipLanes(out) { g, y in g * y * (1 - y) }, owned: true)
        }
    }

    public func relu() -> Tensor {
        let out = mapLanes { $0.replacing(with: 0, where: $0 .< 0) }
        return Tensor.record(out, op: "relu", inputs: [self]) { g, _ in
            self.accumulateGrad(g.zipLanes(self) { g, x in g.replacing(with: 0, where: x .<= 0) }, owned: true)
        }
    }

    /// GELU, tanh approximation (GPT-2; PyTorch `approximate="tanh"`):
    /// 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). Both passes run the C kernel
    /// (`VectorMath.gelu`): the SIMD8 form of this exp-heavy loop ran at SSE2 width.
    public func gelu() -> Tensor {
        let out = Tensor.empty(shape)
        let src = pointer, dst = out.pointer
        Parallel.forEach(count, workPerItem: 25) { r in
            VectorMath.gelu(src + r.lowerBound, into: dst + r.lowerBound, count: r.count)
        }
        return Tensor.record(out, op: "gelu", inputs: [self]) { g, _ in
            // d/dx = 0.5·(1 + t) + 0.5·x·(1 − t²)·√(2/π)·(1 + 3·0.044715·x²), t the forward's tanh.
            let dx = Tensor.empty(self.shape)
            let gp = g.pointer, dp = dx.pointer
            Parallel.forEach(self.count, workPerItem: 30) { r in
                VectorMath.gelu(src + r.lowerBound, gradient: gp + r.lowerBound, into: dp + r.lowerBound, count: r.count)
            }
            self.accumulateGrad(dx, owned: true)
        }
    }

    /// SiLU (swish): x·σ(x), the SwiGLU gate.
    public func silu() -> Tensor {
        let out = mapLanes(work: 20) { x in x / (1 + VectorMath.exp(-x)) }
        return Tensor.record(out, op: "silu", inputs: [self]) { g, _ in
            self.accumulateGrad(g.zipLanes(self, work: 20) { g, x in
                let s = 1 / (1 + VectorMath.exp(-x))
                return g * s * (1 + x * (1 - s))
            }, owned: true)
        }
    }

    public func sqrt() -> Tensor {
        let out = mapLanes(work: 4) { $0.squareRoot() }
        return Tensor.record(out, op: "sqrt", inputs: [self]) { g, out in
            self.accumulateGrad(g.zipLanes(out) { g, y in 0.5 * g / y }, owned: true)
        }
    }

    public func squared() -> Tensor {
        let out = mapLanes { $0 * $0 }
        return Tensor.record(out, op: "square", inputs: [self]) { g, _ in
            self.accumulateGrad(g.zipLanes(self) { g, x in 2 * g * x }, owned: true)
        }
    }

    public func negated() -> Tensor {
        let out = mapLanes { -$0 }
        return Tensor.record(out, op: "neg", inputs: [self]) { g, _ in
            self.accumulateGrad(g.mapLanes { -$0 }, owned: true)
        }
    }
}
