import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// CPU time of the whole process, beside wall time: on a shared machine wall time
/// includes waiting for other processes, CPU time does not.
enum BenchClock {
    static func processCPU() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
