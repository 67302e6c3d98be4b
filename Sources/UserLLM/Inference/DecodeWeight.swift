import Foundation
import NN
import Tensor

/// A matrix a decoding pass multiplies by: the model's f32 weight, or — for a pretrained
/// LLM's frozen weight — the backbone file's quantised blocks it was dequantised from
/// (`LanguageModel.keepQuantized`). Decoding a few beams is bound by the bytes of
/// weights read per step, and Q4_1 is ~5× fewer bytes than f32 for the same products
/// (QuantizedMatrix's kernels dequantise on the fly and sum in f32: results agree with
/// the f32 path to float rounding).
enum DecodeWeight {
    case dense(Tensor)
    case quantized(QuantizedMatrix)

    /// A layer's weight as it holds it.
    init(_ layer: Linear) {
        self = layer.quantizedWeight.map(DecodeWeight.quantized) ?? .dense(layer.weight)
    }

    /// A token table as it holds it (also the tied head's weight).
    init(_ table: Embedding) {
        self = table.quantizedWeight.map(DecodeWeight.quantized) ?? .dense(table.weight)
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
        }
    }

    /// y (m, out) = x (m, k) · Wᵀ, or y += … with `accumulate` (`scratch`: m × out floats the
    /// quantised product goes through first).
    func multiply(_ x: UnsafePointer<Float>, rows m: Int, in k: Int, out: Int, into y: UnsafeMutablePointer<Float>,
                  accumulate: Bool = false, alpha: Float = 1, scratch: UnsafeMutablePointer<Float>? = nil) {
        switch self {
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
