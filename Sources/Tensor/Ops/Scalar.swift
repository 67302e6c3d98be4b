/// Arithmetic with a plain Float: no broadcasting machinery, one vector loop.
extension Tensor {
    /// self · s.
    public func scaled(_ s: Float) -> Tensor {
        let out = mapLanes { $0 * s }
        return Tensor.record(out, op: "scale", inputs: [self]) { g, _ in
            self.accumulateGrad(g.mapLanes { $0 * s }, owned: true)
        }
    }

    /// self + s.
    public func adding(_ s: Float) -> Tensor {
        let out = mapLanes { $0 + s }
        return Tensor.record(out, op: "add_scalar", inputs: [self]) { g, _ in
            self.accumulateGrad(g)
        }
    }

    public static func * (x: Tensor, s: Float) -> Tensor { x.scaled(s) }
    public static func * (s: Float, x: Tensor) -> Tensor { x.scaled(s) }
    public static func / (x: Tensor, s: Float) -> Tensor { x.scaled(1 / s) }
    public static func + (x: Tensor, s: Float) -> Tensor { x.adding(s) }
    public static func + (s: Float, x: Tensor) -> Tensor { x.adding(s) }
    public static func - (x: Tensor, s: Float) -> Tensor { x.adding(-s) }
    public static prefix func - (x: Tensor) -> Tensor { x.negated() }
}
