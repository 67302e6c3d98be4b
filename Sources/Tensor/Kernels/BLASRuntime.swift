import COpenBLAS
import Foundation

/// Which OpenBLAS kernels run the sgemms, and the fix for a known trap: OpenBLAS 0.3.21
/// (Debian 12) does not know CPUs newer than its release (Sapphire Rapids and later) and
/// falls back to its generic SSE3 "Prescott" kernels, 4-5x slower than the AVX-512 ones.
/// The library reads OPENBLAS_CORETYPE once, when it loads, before any Swift code runs;
/// so the programs relaunch themselves with it set (`relaunchWithFastKernelsIfNeeded`).
public enum BLASRuntime {
    /// The kernel set OpenBLAS picked in this process, e.g. "SkylakeX" or "Prescott".
    public static var coreName: String {
        typealias Call = @convention(c) () -> UnsafeMutablePointer<CChar>?
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "openblas_get_corename") else { return "unknown" }
        return unsafeBitCast(symbol, to: Call.self)().map { String(cString: $0) } ?? "unknown"
    }

    /// The CPU's feature flags from /proc/cpuinfo (empty where it is not readable).
    public static func cpuFlags() -> Set<String> {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return [] }
        return Set(line.split(separator: ":").last?.split(separator: " ").map(String.init) ?? [])
    }

    /// The core type to ask for when OpenBLAS fell back to its generic kernels; nil when
    /// its own choice stands (it recognised the CPU, or the user set OPENBLAS_CORETYPE).
    public static func suggestedCoreType() -> String? {
        if let set = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"], !set.isEmpty { return nil }
        guard coreName == "Prescott" else { return nil }
        let flags = cpuFlags()
        if flags.contains("avx512f") && flags.contains("avx512bw") { return "SkylakeX" }
        if flags.contains("avx2") && flags.contains("fma") { return "Haswell" }
        return nil
    }

    /// Re-executes the running program with OPENBLAS_CORETYPE set when OpenBLAS picked its
    /// generic kernels on a CPU that has better ones. Call first thing in `main`; returns
    /// normally when nothing needs doing (or the relaunch failed — then the slow kernels run).
    public static func relaunchWithFastKernelsIfNeeded() {
        guard let core = suggestedCoreType() else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        // The real path, not /proc/self/exe: the kernel names the process after the file
        // executed, and `ps`, `pgrep userllm-tui` and the tmux test look for that name.
        guard let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else { return }
        var argv: [UnsafeMutablePointer<CChar>?] = CommandLine.arguments.map { strdup($0) }
        argv.append(nil)
        execv(executable, &argv)
    }
}
