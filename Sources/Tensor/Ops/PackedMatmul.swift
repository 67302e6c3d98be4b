/// Products with a weight packed for the AMX tile unit (`TileMatrix`): inference only.
extension Tensor {
    /// x (..., K) · Wᵀ → (..., N) for W packed for tile products: inference only, no
    /// gradient (a packed copy is a frozen snapshot of the weight).
    public static func matmul(_ x: Tensor, packed w: TileMatrix) -> Tensor {
        precondition(x.rank >= 1 && x.shape.last == w.columns, "matmul: \(x.shape) × packed (\(w.rows), \(w.columns))ᵀ")
        precondition(!Autograd.isEnabled, "a packed weight answers without gradients: run under Autograd.noGrad")
        let out = Tensor.empty(Array(x.shape.dropLast()) + [w.rows])
        w.multiply(x.pointer, rows: x.count / w.columns, into: out.pointer)
        return out
    }
}
