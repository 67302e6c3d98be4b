import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Pins the process to its first `count` allowed CPUs, so a worker measured "with n
/// threads" really has n cores: the engine's own parallel loops size themselves from the
/// cores the process may use, and OpenBLAS is told the same number.
enum BenchAffinity {
    /// The CPUs this process may run on (Linux); nil when unknown.
    static func allowedCPUs() -> [Int]? {
        #if os(Linux)
        var set = cpu_set_t()
        guard sched_getaffinity(0, MemoryLayout<cpu_set_t>.size, &set) == 0 else { return nil }
        return withUnsafeBytes(of: &set) { raw in
            (0..<(raw.count * 8)).filter { raw[$0 / 8] & (1 << ($0 % 8)) != 0 }
        }
        #else
        return nil
        #endif
    }

    /// Restricts the process to its first `count` allowed CPUs; returns the CPUs kept.
    @discardableResult
    static func restrict(to count: Int) -> [Int] {
        #if os(Linux)
        guard let cpus = allowedCPUs() else { return [] }
        let kept = Array(cpus.prefix(count))
        var set = cpu_set_t()
        withUnsafeMutableBytes(of: &set) { raw in
            for c in kept { raw[c / 8] |= UInt8(1 << (c % 8)) }
        }
        _ = sched_setaffinity(0, MemoryLayout<cpu_set_t>.size, &set)
        return kept
        #else
        return []
        #endif
    }
}
