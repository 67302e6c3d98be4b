import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Which OpenBLAS kernel set runs the sgemms. OpenBLAS 0.3.21 (Debian 12) does not know
/// CPUs newer than its release (Sapphire/Emerald Rapids, CPU model 0xCF here) and falls
/// back to its generic "Prescott" (SSE3) kernels, 4-5x slower than the AVX-512 ones.
/// OPENBLAS_CORETYPE, read when the library loads, overrides the detection; the bench
/// passes it to its worker and to PyTorch alike.
enum BenchBLASCore {
    /// The kernel set OpenBLAS picked in this process.
    static func current() -> String {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "openblas_get_corename") else { return "?" }
        typealias Call = @convention(c) () -> UnsafePointer<CChar>?
        return unsafeBitCast(symbol, to: Call.self)().map { String(cString: $0) } ?? "?"
    }

    /// The CPU's feature flags from /proc/cpuinfo.
    static func cpuFlags() -> Set<String> {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return [] }
        return Set(line.split(separator: ":").last?.split(separator: " ").map(String.init) ?? [])
    }

    /// The OPENBLAS_CORETYPE the workers get for `request`: "auto" fixes the generic
    /// fallback from the CPU's flags (and respects a value already in the environment),
    /// "detected" keeps OpenBLAS's own choice, anything else is passed as it is.
    static func resolve(_ request: String) -> String? {
        switch request.lowercased() {
        case "detected": return nil
        case "auto":
            if let set = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"], !set.isEmpty { return set }
            guard current() == "Prescott" else { return nil }
            let flags = cpuFlags()
            if flags.contains("avx512f") && flags.contains("avx512bw") { return "SkylakeX" }
            if flags.contains("avx2") && flags.contains("fma") { return "Haswell" }
            return nil
        default: return request
        }
    }
}
