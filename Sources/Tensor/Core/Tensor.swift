/// A dense, contiguous, row-major Float32 tensor that records the operations made on it.
///
/// Every operation returns a new tensor; when gradients are enabled and an input requires
/// one, the result keeps a `TapeNode` (its inputs and a backward closure) so that
/// `backward()` can send gradients back (see `Autograd.swift`).
public final class Tensor: @unchecked Sendable {
    public let shape: [Int]
    public let storage: Storage
    /// Whether gradients flow into this tensor. Parameters set it; frozen ones clear it.
    public var requiresGrad: Bool
    /// The accumulated gradient, same shape; nil until a backward pass reaches it.
    public var grad: Tensor?
    /// How this tensor was computed; nil for leaves and for results made without a tape.
    var node: TapeNode?

    /// Wraps existing storage; `storage.count` must equal the product of `shape`.
    public init(shape: [Int], storage: Storage, requiresGrad: Bool = false) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        precondition(shape.reduce(1, *) == storage.count,
                     "shape \(shape) holds \(shape.reduce(1, *)) values, storage has \(storage.count)")
        self.shape = shape
        self.storage = storage
        self.requiresGrad = requiresGrad
    }

    public convenience init(shape: [Int], values: [Float], requiresGrad: Bool = false) {
        self.init(shape: shape, storage: Storage(values), requiresGrad: requiresGrad)
    }

    public static func zeros(_ shape: [Int], requiresGrad: Bool = false) -> Tensor {
        Tensor(shape: shape, storage: Storage(count: shape.reduce(1, *)), requiresGrad: requiresGrad)
    }

    public static func full(_ shape: [Int], _ value: Float, requiresGrad: Bool = false) -> Tensor {
        let t = Tensor(shape: shape, storage: Storage(count: shape.reduce(1, *), zeroed: false), requiresGrad: requiresGrad)
        t.pointer.initialize(repeating: value, count: t.count)
        return t
    }

    public static func ones(_ shape: [Int], requiresGrad: Bool = false) -> Tensor {
        full(shape, 1, requiresGrad: requiresGrad)
    }

    public static func scalar(_ value: Float) -> Tensor { Tensor(shape: [], values: [value]) }

    /// An uninitialised result buffer for kernels that write every element.
    public static func empty(_ shape: [Int]) -> Tensor {
        Tensor(shape: shape, storage: Storage(count: shape.reduce(1, *), zeroed: false))
    }

    public var count: Int { storage.count }
    public var rank: Int { shape.count }
    public var pointer: UnsafeMutablePointer<Float> { storage.pointer }
    /// A copy of the values, for tests and small reads; kernels use `pointer`.
    public var scalars: [Float] { Array(storage.buffer) }
    /// The single value of a one-element tensor (a loss, say).
    public var item: Float {
        precondition(count == 1, "item of a tensor with \(count) values")
        return pointer[0]
    }

    /// `dim` counted from the end when negative, as in PyTorch.
    public func axis(_ dim: Int) -> Int {
        let a = dim < 0 ? dim + rank : dim
        precondition(a >= 0 && a < rank, "axis \(dim) out of range for shape \(shape)")
        return a
    }

    public func size(_ dim: Int) -> Int { shape[axis(dim)] }

    /// The same values cut off from the tape: no gradient flows through the result.
    public func detached() -> Tensor { Tensor(shape: shape, storage: storage) }

    /// A deep copy of the values (no tape), for optimiser state and snapshots.
    public func copy() -> Tensor {
        let t = Tensor.empty(shape)
        t.pointer.update(from: pointer, count: count)
        return t
    }

    /// Overwrites the values in place from another tensor of the same size (checkpoint loads).
    public func assign(_ other: Tensor) {
        precondition(other.count == count, "assign \(other.shape) into \(shape)")
        pointer.update(from: other.pointer, count: count)
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let shown = scalars.prefix(8).map { String(format: "%.4g", $0) }.joined(separator: ", ")
        return "Tensor\(shape)[\(shown)\(count > 8 ? ", …" : "")]"
    }
}

import Foundation
