import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Peak resident memory of a piece of work, measured by the kernel (Linux): the
/// high-water mark (VmHWM) is reset through /proc/self/clear_refs, the work runs, and the
/// peak above the resident size before it is what the work added.
///
/// glibc keeps freed memory for reuse and raises its mmap threshold after large frees, so
/// memory a previous measurement touched could hide this one's. `measure` therefore asks
/// for fixed thresholds first (every block above 128 KiB mapped and unmapped on its own,
/// the heap trimmed): run it after the timings, as it makes large allocations slower.
public enum PeakMemory {
    /// Whether this system lets the high-water mark be reset (Linux ≥ 4.0).
    public static var isAvailable: Bool { resetHighWaterMark() }

    /// Current resident set and its high-water mark, bytes (nil off Linux).
    public static func resident() -> (current: Int, peak: Int)? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        var current: Int?, peak: Int?
        for line in status.split(separator: "\n") {
            let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard parts.count >= 2, let kb = Int(parts[1]) else { continue }
            if parts[0] == "VmRSS:" { current = kb * 1024 }
            if parts[0] == "VmHWM:" { peak = kb * 1024 }
        }
        guard let current, let peak else { return nil }
        return (current, peak)
    }

    /// mallopt and malloc_trim through dlsym: <malloc.h> is not part of the Glibc module.
    /// M_TRIM_THRESHOLD is -1 and M_MMAP_THRESHOLD -3 in glibc's malloc.h.
    private static func fixAllocatorThresholds() {
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        typealias Trim = @convention(c) (Int) -> Int32
        let process = UnsafeMutableRawPointer(bitPattern: 0)
        if let symbol = dlsym(process, "mallopt") {
            let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
            _ = mallopt(-3, 128 * 1024)
            _ = mallopt(-1, 128 * 1024)
        }
        if let symbol = dlsym(process, "malloc_trim") { _ = unsafeBitCast(symbol, to: Trim.self)(0) }
    }

    @discardableResult
    static func resetHighWaterMark() -> Bool {
        guard let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") else { return false }
        defer { try? handle.close() }
        do { try handle.write(contentsOf: Data("5".utf8)) } catch { return false }
        return true
    }

    /// Returns the work's result and the bytes of resident memory it added at its peak
    /// (nil where the mark cannot be reset).
    public static func measure<T>(_ work: () throws -> T) rethrows -> (result: T, bytes: Int?) {
        fixAllocatorThresholds()
        guard resetHighWaterMark(), let before = resident() else { return (try work(), nil) }
        let result = try work()
        guard let after = resident() else { return (result, nil) }
        return (result, max(0, after.peak - before.current))
    }
}
