import Foundation
import Tensor

/// Which OpenBLAS kernels the bench's workers and PyTorch get (see `BLASRuntime` for why
/// it matters on CPUs newer than OpenBLAS 0.3.21). Both are handed the same setting.
enum BenchBLASCore {
    /// The kernel set OpenBLAS picked in this process.
    static func current() -> String { BLASRuntime.coreName }

    /// The OPENBLAS_CORETYPE the workers get for `request`: "auto" keeps a value already in
    /// the environment (the relaunch sets one) or fixes the generic fallback from the CPU's
    /// flags; "detected" keeps OpenBLAS's own choice; anything else is passed as it is.
    static func resolve(_ request: String) -> String? {
        switch request.lowercased() {
        case "detected": return nil
        case "auto":
            if let set = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"], !set.isEmpty { return set }
            return BLASRuntime.suggestedCoreType()
        default: return request
        }
    }
}
