import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Counts Swift heap allocations (every class instance — Tensor, Storage — every array
/// buffer, every boxed closure context) through the Swift runtime's allocation hook, the
/// one Instruments uses: `_swift_allocObject` is called instead of the built-in allocator
/// once `_swift_enableSwizzlingOfAllocationAndRefCountingFunctions_forInstrumentsOnly` is set.
/// Test-only; nil when this runtime lacks the hook. Warm up before counting: with the hook
/// on, a lazy static that reads a file (Foundation) crashed the runtime's retain adapter.
enum AllocationCounter {
    typealias AllocObject = @convention(c) (UnsafeRawPointer?, Int, Int) -> UnsafeMutableRawPointer?

    /// Allocations seen while counting (from every thread: increments race, but a count
    /// that should be 0 stays 0, and one that is not is very unlikely to lose them all).
    static var count = 0
    static var original: AllocObject?

    private static let symbols: (hook: UnsafeMutablePointer<AllocObject>, enable: UnsafeMutablePointer<Bool>)? = {
        let handle = dlopen(nil, RTLD_NOW)
        guard let hook = dlsym(handle, "_swift_allocObject"),
              let enable = dlsym(handle, "_swift_enableSwizzlingOfAllocationAndRefCountingFunctions_forInstrumentsOnly")
        else { return nil }
        return (hook.assumingMemoryBound(to: AllocObject.self), enable.assumingMemoryBound(to: Bool.self))
    }()

    static var isAvailable: Bool { symbols != nil }

    /// Runs `body` and returns how many Swift heap allocations it made.
    static func counting(_ body: () -> Void) -> Int? {
        guard let symbols else { return nil }
        original = symbols.hook.pointee
        count = 0
        symbols.hook.pointee = { metadata, size, alignMask in
            AllocationCounter.count += 1
            return AllocationCounter.original!(metadata, size, alignMask)
        }
        symbols.enable.pointee = true
        body()
        symbols.enable.pointee = false
        symbols.hook.pointee = original!
        return count
    }
}
