import COpenBLAS
import Foundation

/// A 64-byte-aligned Float32 buffer that several tensors may share (reshape is a view).
///
/// A class rather than `[Float]`: kernels take raw pointers without copy-on-write checks,
/// and views share one allocation.
public final class Storage: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int

    /// glibc hands allocations above its mmap threshold (128 KiB at first) fresh pages from
    /// the kernel and unmaps them on free, so every training step paid page faults and
    /// zeroing for its activations (~18% of a step in `perf`). Raising the threshold to its
    /// maximum keeps them in the heap for reuse.
    private static let heapReuse: Void = {
        _ = mallopt(M_MMAP_THRESHOLD, 32 << 20)
        _ = mallopt(M_TRIM_THRESHOLD, 256 << 20)
    }()

    /// Allocates `count` floats, zeroed unless `zeroed` is false (the caller overwrites all).
    public init(count: Int, zeroed: Bool = true) {
        precondition(count >= 0, "negative storage size")
        _ = Storage.heapReuse
        var raw: UnsafeMutableRawPointer?
        // 64 bytes: a cache line and an AVX-512 vector; posix_memalign wants a non-zero size.
        let status = posix_memalign(&raw, 64, max(count, 1) * MemoryLayout<Float>.stride)
        precondition(status == 0 && raw != nil, "out of memory allocating \(count) floats")
        pointer = raw!.bindMemory(to: Float.self, capacity: max(count, 1))
        self.count = count
        if zeroed { pointer.initialize(repeating: 0, count: count) }
    }

    public convenience init(_ values: [Float]) {
        self.init(count: values.count, zeroed: false)
        values.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { pointer.update(from: base, count: values.count) }
        }
    }

    deinit { free(pointer) }

    public var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: pointer, count: count) }
}
