import XCTest
import NN
import Tensor

/// Finite-difference check of a module: its input(s) and every parameter are perturbed.
func assertModuleGradients(_ module: Module, inputs: [Tensor] = [], file: StaticString = #filePath, line: UInt = #line,
                           _ f: () -> Tensor) {
    let params = module.parameters()
    let all = inputs + params.map(\.1)
    let bad = GradientCheck.mismatches(all) { _ in f() }
    let named = bad.prefix(5).map { m -> String in
        let name = m.input < inputs.count ? "input \(m.input)" : params[m.input - inputs.count].0
        return "\(name)[\(m.index)]: analytic \(m.analytic), numeric \(m.numeric)"
    }
    XCTAssert(bad.isEmpty, "\(bad.count) gradient mismatches: \(named)", file: file, line: line)
    // A check that saw only zeros would pass without testing anything.
    let nonzero = all.filter { $0.requiresGrad }.contains { t in t.grad?.scalars.contains { $0 != 0 } ?? false }
    XCTAssert(nonzero, "every gradient was zero", file: file, line: line)
}

/// Refills every parameter with Normal(0, std²) values, so that gradient checks see
/// weights of order one rather than the tiny init (norm weights and gates included).
func randomize(_ module: Module, seed: UInt64, std: Float = 0.5) {
    var gen = SeededGenerator(seed: seed)
    for (_, p) in module.parameters() {
        for i in 0..<p.count { p.pointer[i] = gen.nextNormal() * std }
    }
}

func randomTensor(_ shape: [Int], seed: UInt64, std: Float = 1, requiresGrad: Bool = true) -> Tensor {
    var gen = SeededGenerator(seed: seed)
    return Tensor.randn(shape, std: std, generator: &gen, requiresGrad: requiresGrad)
}

func maxAbsDifference(_ a: Tensor, _ b: Tensor) -> Float {
    precondition(a.shape == b.shape, "shapes \(a.shape) and \(b.shape)")
    var worst: Float = 0
    for i in 0..<a.count { worst = max(worst, abs(a.pointer[i] - b.pointer[i])) }
    return worst
}
