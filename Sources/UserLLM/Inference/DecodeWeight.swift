import Foundation
import NN
import Tensor

/// A matrix a decoding pass multiplies by: the model's f32 weight, or — for a pretrained
/// LLM's frozen weight — the backbone file's quantised blocks it was dequantised from
/// (`LanguageModel.keepQuantized`). Decoding a few beams is bound by the bytes of
/// weights read per step, and Q4_1 is ~5× fewer bytes than f32 for the same products
/// (QuantizedMatrix's kernels dequantise on the fly and sum in f32: results agree with
/// the f32 path to float rounding). A weight packed for tile products
/// (`Linear.packForInference`) is read packed: the fastest of the three where the CPU has them.
enum DecodeWeight {
    case dense(Tensor)
    case quantized(QuantizedMatrix)
    case packed(TileMatrix)

    /// A layer's weight as it holds it.
    init(_ layer: Linear) {
        if let p = layer.packedWeight { self = .packed(p); return }
        self = layer.quantizedWeight.map(DecodeWeight.quantized) ?? .dense(layer.weight)
    }

    /// A token table as it holds it (also the tied head's weight).
    init(_ table: Embedding) {
        self = table.quantizedWeight.map(DecodeWeight.quantized) ?? .dense(table.weight)
    }

    /// The tied head's weight: packed when the table is, else as the table holds it.
    init(head table: Embedding) {
        self = table.packedWeight.map(DecodeWeight.packed) ?? DecodeWeight(table)
    }

    var dense: Tensor? {
        if case .dense(let t) = self { return t }
        return nil
    }

    /// Row `i` of W (a token's embedding) into `out`.
    func row(_ i: Int, into out: UnsafeMutablePointer<Float>) {
        switch self {
        case .dense(let w):
            let k = w.shape[1]
            out.update(from: w.pointer + i * k, count: k)
        case .quantized(let q):
            q.dequantizeRow(i, into: out)
        case .packed:
            preconditionFailure("a packed weight is a product's operand, not a table to read rows from")
        }
    }

    /// y (m, out) = x (m, k) · Wᵀ, or y += … with `accumulate` (`scratch`: m × out floats the
    /// quantised product goes through first; `tileScratch`: a packed product's bf16 copy of x,
    /// allocated for the call when nil).
    func multiply(_ x: UnsafePointer<Float>, rows m: Int, in k: Int, out: Int, into y: UnsafeMutablePointer<Float>,
                  accumulate: Bool = false, alpha: Float = 1, scratch: UnsafeMutablePointer<Float>? = nil,
                  tileScratch: UnsafeMutablePointer<UInt16>? = nil) {
        switch self {
        case .packed(let p):
            guard alpha != 1 else {
                p.multiply(x, rows: m, into: y, accumulate: accumulate, scratch: tileScratch)
                return
            }
            guard let scratch else { preconditionFailure("a scaled packed product needs scratch") }
            p.multiply(x, rows: m, into: scratch, scratch: tileScratch)
            for i in 0..<(m * out) { y[i] = (accumulate ? y[i] : 0) + alpha * scratch[i] }
        case .dense(let w):
            BLAS.gemm(transA: false, transB: true, m: m, n: out, k: k, alpha: alpha, a: x, b: w.pointer,
                      beta: accumulate ? 1 : 0, c: y)
        case .quantized(let q):
            guard accumulate || alpha != 1 else {
                q.multiply(x, rows: m, into: y)
                return
            }
            guard let scratch else { preconditionFailure("an accumulating quantised product needs scratch") }
            q.multiply(x, rows: m, into: scratch)
            for i in 0..<(m * out) { y[i] = (accumulate ? y[i] : 0) + alpha * scratch[i] }
        }
    }
}
