import COpenBLAS
import Dispatch
import Foundation

/// Splits loops across the machine's cores, with OpenBLAS's own threads parked meanwhile:
/// its workers busy-wait, so running ours beside them makes both slower.
public enum Parallel {
    /// Cores available to this process (at least 1).
    public static let cores: Int = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Below this many scalar operations a loop stays on the calling thread: dispatching
    /// costs a few microseconds, more than the work it would split.
    public static let minimumWork = 1 << 15

    /// Runs `body(range)` over `0..<count` in at most `cores` contiguous chunks.
    /// `workPerItem` estimates scalar operations per index, to decide whether to split.
    public static func forEach(_ count: Int, workPerItem: Int = 1, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let chunks = min(cores, count)
        if chunks <= 1 || count * workPerItem < minimumWork || isInsideParallel {
            body(0..<count)
            return
        }
        withBLASThreads(1) {
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                let lo = count * c / chunks, hi = count * (c + 1) / chunks
                if lo < hi { insideParallel { body(lo..<hi) } }
            }
        }
    }

    /// Runs `body` with OpenBLAS limited to `threads`, restoring the previous setting.
    public static func withBLASThreads<T>(_ threads: Int, _ body: () throws -> T) rethrows -> T {
        let previous = Int(openblas_get_num_threads())
        if previous == threads { return try body() }
        openblas_set_num_threads(Int32(threads))
        defer { openblas_set_num_threads(Int32(previous)) }
        return try body()
    }

    // Nested parallel loops (an op called inside a per-head worker) run serially.
    private static let insideKey: pthread_key_t = {
        var k = pthread_key_t()
        pthread_key_create(&k, nil)
        return k
    }()

    private static var isInsideParallel: Bool { pthread_getspecific(insideKey) != nil }

    /// Marks the worker for the duration of `body` only: GCD reuses its threads, and the
    /// calling thread takes part in concurrentPerform too.
    private static func insideParallel(_ body: () -> Void) {
        let previous = pthread_getspecific(insideKey)
        pthread_setspecific(insideKey, UnsafeRawPointer(bitPattern: 1))
        defer { pthread_setspecific(insideKey, previous) }
        body()
    }
}
