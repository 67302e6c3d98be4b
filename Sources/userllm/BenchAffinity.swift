import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Pins the process to its first `count` allowed CPUs, so a worker measured "with n
/// threads" really has n cores: the engine's own parallel loops size themselves from the
/// cores the process may use, and OpenBLAS is told the same number.
enum BenchAffinity {
    /// glibc's sched_{get,set}affinity sit behind _GNU_SOURCE, which Swift's Glibc module
    /// does not define: looked up at run time instead.
    private typealias AffinityCall = @convention(c) (pid_t, Int, UnsafeMutableRawPointer) -> Int32
    private static let maskBytes = 128  // 1024 CPUs, glibc's cpu_set_t

    private static func call(_ name: String) -> AffinityCall? {
        #if os(Linux)
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { return nil }
        return unsafeBitCast(symbol, to: AffinityCall.self)
        #else
        return nil
        #endif
    }

    /// The CPUs this process may run on; nil when unknown.
    static func allowedCPUs() -> [Int]? {
        guard let get = call("sched_getaffinity") else { return nil }
        var mask = [UInt8](repeating: 0, count: maskBytes)
        let ok = mask.withUnsafeMutableBytes { get(0, maskBytes, $0.baseAddress!) } == 0
        guard ok else { return nil }
        return (0..<(maskBytes * 8)).filter { mask[$0 / 8] & (1 << ($0 % 8)) != 0 }
    }

    /// Restricts the process to its first `count` allowed CPUs; returns the CPUs kept.
    @discardableResult
    static func restrict(to count: Int) -> [Int] {
        guard let cpus = allowedCPUs(), let set = call("sched_setaffinity") else { return [] }
        let kept = Array(cpus.prefix(count))
        var mask = [UInt8](repeating: 0, count: maskBytes)
        for c in kept { mask[c / 8] |= UInt8(1 << (c % 8)) }
        let ok = mask.withUnsafeMutableBytes { set(0, maskBytes, $0.baseAddress!) } == 0
        return ok ? kept : []
    }
}
