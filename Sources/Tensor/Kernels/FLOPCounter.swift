import Foundation

/// Counts the multiply-adds the engine's matrix products actually run, so that analytic
/// FLOPs figures can be checked against the work done (2·m·n·k per (m, k) × (k, n) product).
///
/// Every product reports here: `BLAS.gemm`, `SmallRowsGemm.multiply`,
/// `QuantizedMatrix.multiply`, and the few hand-written loops and direct sgemm calls of the
/// decoders. Off (the default) a report is one test of a flag, no lock; on, reports from
/// every thread add under a lock — slow, and meant for checks, not for timing.
public enum FLOPCounter {
    /// Weights products (linear layers, heads, projections) or attention's QKᵀ and P·V.
    public enum Kind: Sendable { case matmul, attention }

    public struct Counts: Equatable, Sendable, CustomStringConvertible {
        public var matmul = 0
        public var attention = 0
        public init(matmul: Int = 0, attention: Int = 0) { (self.matmul, self.attention) = (matmul, attention) }
        public var total: Int { matmul + attention }
        public var description: String { "matmul \(matmul), attention \(attention)" }
    }

    /// Read on every product; written only by `counting`, outside any parallel region.
    nonisolated(unsafe) public private(set) static var isOn = false
    nonisolated(unsafe) private static var sums = Counts()
    private static let lock = NSLock()

    /// Runs `body` and returns what its products cost. Nests: an inner count is also part
    /// of the outer one.
    public static func counting<R>(_ body: () throws -> R) rethrows -> (result: R, counts: Counts) {
        lock.lock()
        let (before, wasOn) = (sums, isOn)
        isOn = true
        lock.unlock()
        defer {
            lock.lock()
            isOn = wasOn
            lock.unlock()
        }
        let result = try body()
        lock.lock()
        let after = sums
        lock.unlock()
        return (result, Counts(matmul: after.matmul - before.matmul, attention: after.attention - before.attention))
    }

    /// One (m, k) × (k, n) product: 2·m·n·k when counting, nothing otherwise.
    @inlinable @inline(__always)
    public static func add(_ kind: Kind, m: Int, n: Int, k: Int) {
        if isOn { record(kind, 2 * m * n * k) }
    }

    @usableFromInline @inline(never)
    static func record(_ kind: Kind, _ flops: Int) {
        lock.lock()
        switch kind {
        case .matmul: sums.matmul += flops
        case .attention: sums.attention += flops
        }
        lock.unlock()
    }
}
