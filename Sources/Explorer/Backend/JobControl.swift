import Foundation

/// Handed to every backend call: lets the call notice it is no longer wanted (the cut
/// moved on) and report progress for the spinner line. Thread-safe.
public final class JobControl: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false
    private var progressValue: (fraction: Double?, note: String) = (nil, "")
    private let onProgress: @Sendable (Double?, String) -> Void

    public init(onProgress: @escaping @Sendable (Double?, String) -> Void = { _, _ in }) {
        self.onProgress = onProgress
    }

    /// True once the explorer no longer wants this result; check it between decoding
    /// steps and throw `CancellationError()`.
    public var isCancelled: Bool {
        lock.lock(); defer { lock.unlock() }
        return cancelled
    }

    public func cancel() {
        lock.lock(); cancelled = true; lock.unlock()
    }

    /// Reports progress, e.g. (0.4, "decoding token 12/30"); fraction nil = unknown.
    public func report(_ fraction: Double?, _ note: String) {
        lock.lock(); progressValue = (fraction, note); lock.unlock()
        onProgress(fraction, note)
    }

    public var progress: (fraction: Double?, note: String) {
        lock.lock(); defer { lock.unlock() }
        return progressValue
    }
}
