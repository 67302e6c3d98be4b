import Foundation

/// Finite-difference check of an operation's analytic gradients: the independent
/// reference every differentiable op and module is tested against.
public enum GradientCheck {
    public struct Mismatch: CustomStringConvertible, Sendable {
        public var input: Int
        public var index: Int
        public var analytic: Double
        public var numeric: Double
        public var description: String {
            "input \(input) element \(index): analytic \(analytic), numeric \(numeric)"
        }
    }

    /// Checks every element of every input that requires a gradient.
    ///
    /// The output is reduced to a scalar by a fixed random projection R (so every output
    /// element matters, with distinct weights); the analytic side is `f(x).backward(R)`,
    /// the numeric side central differences of Σ R·f(x) computed in Double.
    /// Returns the elements whose gradients disagree beyond `atol + rtol·|numeric|`.
    public static func mismatches(_ inputs: [Tensor], eps: Float = 1e-3, atol: Double = 2e-3,
                                  rtol: Double = 2e-2, seed: UInt64 = 7,
                                  _ f: ([Tensor]) -> Tensor) -> [Mismatch] {
        for x in inputs { x.zeroGrad() }
        let out = f(inputs)
        var gen = SeededGenerator(seed: seed)
        let projection = Tensor.uniform(out.shape, low: -1, high: 1, generator: &gen)
        out.backward(projection)

        func objective() -> Double {
            Autograd.noGrad {
                let y = f(inputs)
                var total = 0.0
                for i in 0..<y.count { total += Double(y.pointer[i]) * Double(projection.pointer[i]) }
                return total
            }
        }

        var found: [Mismatch] = []
        for (inputIndex, x) in inputs.enumerated() where x.requiresGrad {
            for i in 0..<x.count {
                let saved = x.pointer[i]
                x.pointer[i] = saved + eps
                let plus = objective()
                x.pointer[i] = saved - eps
                let minus = objective()
                x.pointer[i] = saved
                let numeric = (plus - minus) / (2 * Double(eps))
                let analytic = Double(x.grad?.pointer[i] ?? 0)
                if abs(analytic - numeric) > atol + rtol * abs(numeric) {
                    found.append(Mismatch(input: inputIndex, index: i, analytic: analytic, numeric: numeric))
                }
            }
        }
        return found
    }
}
