import Foundation

/// How a result was computed: its inputs and the function that turns the result's
/// gradient into gradients of the inputs (by calling `accumulateGrad` on them).
final class TapeNode {
    let op: String
    let inputs: [Tensor]
    /// (gradient of the result, the result itself) — the result is passed in rather than
    /// captured, so the closure does not keep its own output alive.
    let backward: (Tensor, Tensor) -> Void

    init(op: String, inputs: [Tensor], backward: @escaping (Tensor, Tensor) -> Void) {
        self.op = op
        self.inputs = inputs
        self.backward = backward
    }
}

/// Whether operations record a tape. Per thread, so an inference thread in `noGrad`
/// does not switch off training elsewhere.
public enum Autograd {
    private static let key: pthread_key_t = {
        var k = pthread_key_t()
        pthread_key_create(&k, nil)
        return k
    }()

    /// True unless the current thread is inside `noGrad`.
    public static var isEnabled: Bool {
        // The key's value is a nesting depth of noGrad scopes, stored as a pointer-sized int.
        Int(bitPattern: pthread_getspecific(key)) == 0
    }

    /// Runs `body` without recording: for inference and optimiser updates.
    public static func noGrad<T>(_ body: () throws -> T) rethrows -> T {
        let depth = Int(bitPattern: pthread_getspecific(key))
        pthread_setspecific(key, UnsafeRawPointer(bitPattern: depth + 1))
        defer { pthread_setspecific(key, UnsafeRawPointer(bitPattern: depth)) }
        return try body()
    }
}

extension Tensor {
    /// Wraps a freshly computed result and, when gradients are on and an input needs one,
    /// records how to send the gradient back. Every differentiable op ends here.
    public static func record(_ result: Tensor, op: String, inputs: [Tensor],
                              backward: @escaping (_ gradOut: Tensor, _ out: Tensor) -> Void) -> Tensor {
        guard Autograd.isEnabled, inputs.contains(where: { $0.requiresGrad }) else { return result }
        result.requiresGrad = true
        result.node = TapeNode(op: op, inputs: inputs, backward: backward)
        return result
    }

    /// Whether this tensor is a leaf of the graph (a parameter or an input), as opposed to
    /// an intermediate result.
    public var isLeaf: Bool { node == nil }

    /// Adds `g` into this tensor's gradient (allocating it on first use). Does nothing for
    /// tensors that do not require a gradient, so ops can call it unconditionally.
    /// `owned`: the caller made `g` for this tensor alone, so it may be adopted without a
    /// copy; otherwise (a buffer also handed to another input, or the incoming gradient
    /// itself) it is copied.
    public func accumulateGrad(_ g: Tensor, owned: Bool = false) {
        guard requiresGrad else { return }
        precondition(g.count == count, "gradient \(g.shape) for tensor \(shape)")
        if let existing = grad {
            let dst = existing.pointer, src = g.pointer
            for i in 0..<count { dst[i] += src[i] }
        } else if owned {
            grad = Tensor(shape: shape, storage: g.storage)
        } else {
            let copy = Tensor.empty(shape)
            copy.pointer.update(from: g.pointer, count: count)
            grad = copy
        }
    }

    /// Clears the gradient (before the next accumulation of a training step).
    public func zeroGrad() { grad = nil }

    /// Reverse-mode pass from this tensor. A scalar starts from 1; otherwise pass `seed`
    /// (the gradient of some scalar with respect to this tensor).
    ///
    /// Intermediate results lose their tape and gradients as the pass goes, so the graph's
    /// memory is released; leaves keep their accumulated `grad`.
    public func backward(_ seed: Tensor? = nil) {
        guard requiresGrad else { return }
        if let seed {
            precondition(seed.count == count, "seed \(seed.shape) for tensor \(shape)")
            accumulateGrad(seed.copy(), owned: true)
        } else {
            precondition(count == 1, "backward() without a seed needs a scalar, got \(shape)")
            accumulateGrad(Tensor.ones(shape), owned: true)
        }
        for t in topologicalOrder().reversed() {
            guard let node = t.node else { continue }
            if let g = t.grad { node.backward(g, t) }
            // Intermediates are done once their gradient has been passed on.
            t.node = nil
            t.grad = nil
        }
    }

    /// Results before the tensors computed from them, iteratively (graphs can be deep).
    private func topologicalOrder() -> [Tensor] {
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(Tensor, Bool)] = [(self, false)]
        while let (t, expanded) = stack.popLast() {
            if expanded { order.append(t); continue }
            guard visited.insert(ObjectIdentifier(t)).inserted else { continue }
            stack.append((t, true))
            if let node = t.node {
                for input in node.inputs where input.requiresGrad && !visited.contains(ObjectIdentifier(input)) {
                    stack.append((input, false))
                }
            }
        }
        return order
    }
}
