import Foundation
import Tensor

/// sgemm throughput through the engine's own BLAS wrapper: the ceiling the model's step
/// is measured against.
struct BenchSgemm {
    struct Shape: Codable {
        var label: String
        var m: Int, n: Int, k: Int
        var transA = false, transB = false
        var flops: Double { 2 * Double(m) * Double(n) * Double(k) }
    }

    struct Result: Codable {
        var shape: Shape
        var seconds: Double
        var gflops: Double
    }

    /// Large squares (the peak) and the products a `small` LLM step at `tokens` makes.
    static func shapes(batch: Int, tokens: Int, d: Int, hidden: Int, vocab: Int, headDim: Int, users: Int) -> [Shape] {
        let rows = batch * tokens
        return [
            Shape(label: "square 1024", m: 1024, n: 1024, k: 1024),
            Shape(label: "square 2048", m: 2048, n: 2048, k: 2048),
            Shape(label: "T=\(tokens) qkvo x·Wᵀ", m: rows, n: d, k: d, transB: true),
            Shape(label: "T=\(tokens) mlp up", m: rows, n: hidden, k: d, transB: true),
            Shape(label: "T=\(tokens) mlp down", m: rows, n: d, k: hidden, transB: true),
            Shape(label: "T=\(tokens) lm head", m: rows, n: vocab, k: d, transB: true),
            Shape(label: "T=\(tokens) lm head dW", m: vocab, n: d, k: rows, transA: true),
            Shape(label: "T=\(tokens) attn QKᵀ/head", m: tokens, n: tokens, k: headDim, transB: true),
            Shape(label: "T=\(tokens) xattn QUᵀ/head", m: tokens, n: users, k: headDim, transB: true),
        ]
    }

    /// Repeats each product until `minimumSeconds` have passed (after one warm-up call).
    static func measure(_ shape: Shape, minimumSeconds: Double = 0.4) -> Result {
        var gen = SeededGenerator(seed: 1)
        let aRows = shape.transA ? shape.k : shape.m, aCols = shape.transA ? shape.m : shape.k
        let bRows = shape.transB ? shape.n : shape.k, bCols = shape.transB ? shape.k : shape.n
        let a = Tensor.uniform([aRows, aCols], low: -1, high: 1, generator: &gen)
        let b = Tensor.uniform([bRows, bCols], low: -1, high: 1, generator: &gen)
        let c = Tensor.empty([shape.m, shape.n])
        func run() {
            BLAS.gemm(transA: shape.transA, transB: shape.transB, m: shape.m, n: shape.n, k: shape.k,
                      a: a.pointer, b: b.pointer, c: c.pointer)
        }
        run()
        var reps = 0
        let start = DispatchTime.now().uptimeNanoseconds
        var elapsed = 0.0
        repeat {
            run()
            reps += 1
            elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        } while elapsed < minimumSeconds
        let seconds = elapsed / Double(reps)
        return Result(shape: shape, seconds: seconds, gflops: shape.flops / seconds / 1e9)
    }
}
