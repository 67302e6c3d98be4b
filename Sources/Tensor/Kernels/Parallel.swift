import CKernels
import COpenBLAS
import Dispatch
import Foundation

/// Splits loops across the machine's cores, with OpenBLAS's own threads parked meanwhile:
/// its workers busy-wait, so running ours beside them makes both slower.
public enum Parallel {
    /// Cores available to this process (at least 1).
    public static let cores: Int = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Below this many scalar operations a loop stays on the calling thread: dispatching
    /// costs a few microseconds, more than the work it would split.
    public static let minimumWork = 1 << 15

    /// Runs `body(range)` over `0..<count` in at most `cores` contiguous chunks.
    /// `workPerItem` estimates scalar operations per index; below `minimumWork` in all the
    /// loop stays on the calling thread.
    public static func forEach(_ count: Int, workPerItem: Int = 1, minimumWork: Int = Parallel.minimumWork,
                               _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        if let workers = spinningWorkers, count > 1, count * workPerItem >= spinningMinimumWork, !isInsideParallel {
            withoutActuallyEscaping(body) { body in
                var task = ClosureTask(body: body)
                withUnsafeMutablePointer(to: &task) { pointer in
                    ck_team_run(count, grain(count, threads: workers + 1), pointer) { raw, lo, hi in
                        raw!.assumingMemoryBound(to: ClosureTask.self).pointee.body(lo..<hi)
                    }
                }
            }
            return
        }
        let chunks = min(cores, count, threadCoreLimit)
        if chunks <= 1 || count * workPerItem < minimumWork || isInsideParallel {
            body(0..<count)
            return
        }
        withBLASThreads(1) {
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                let lo = count * c / chunks, hi = count * (c + 1) / chunks
                if lo < hi { insideParallel { body(lo..<hi) } }
            }
        }
    }

    /// `work(context, lo, hi)` over `0..<count` as `forEach` splits it, for loops that must
    /// not allocate (a decoding step's): Swift boxes a closure it hands to other threads
    /// (two heap objects per call, `concurrentPerform` included), so here the work is a C
    /// function and `context` points to its arguments.
    public typealias RangeWork = @convention(c) (UnsafeMutableRawPointer?, Int, Int) -> Void

    /// `callsBLAS: false` (work that never calls OpenBLAS, e.g. the quantized kernels) skips
    /// pinning OpenBLAS to one thread around the loop: `openblas_set_num_threads` costs more
    /// than a decoding step's small products, which run hundreds of times per token.
    public static func forEach(_ count: Int, workPerItem: Int = 1, minimumWork: Int = Parallel.minimumWork,
                               callsBLAS: Bool = true, context: UnsafeMutableRawPointer, work: RangeWork) {
        guard count > 0 else { return }
        if let workers = spinningWorkers, count > 1, count * workPerItem >= spinningMinimumWork, !isInsideParallel {
            ck_team_run(count, grain(count, threads: workers + 1), context, work)
            return
        }
        let chunks = min(cores, count, threadCoreLimit)
        if chunks <= 1 || count * workPerItem < minimumWork || isInsideParallel {
            work(context, 0, count)
            return
        }
        guard let applyFunction else {
            forEach(count, workPerItem: workPerItem, minimumWork: minimumWork) { work(context, $0.lowerBound, $0.upperBound) }
            return
        }
        var task = ChunkedTask(count: count, chunks: chunks, context: context, work: work)
        withBLASThreads(callsBLAS ? 1 : Int(openblas_get_num_threads())) {
            withUnsafeMutablePointer(to: &task) { pointer in
                // nil queue: DISPATCH_APPLY_AUTO, the calling thread plus the global pool.
                applyFunction(chunks, nil, UnsafeMutableRawPointer(pointer)) { raw, c in
                    let task = raw!.assumingMemoryBound(to: ChunkedTask.self).pointee
                    let lo = task.count * c / task.chunks, hi = task.count * (c + 1) / task.chunks
                    guard lo < hi else { return }
                    let previous = pthread_getspecific(Parallel.insideKey)
                    pthread_setspecific(Parallel.insideKey, UnsafeRawPointer(bitPattern: 1))
                    task.work(task.context, lo, hi)
                    pthread_setspecific(Parallel.insideKey, previous)
                }
            }
        }
    }

    private struct ClosureTask {
        var body: (Range<Int>) -> Void
    }

    private struct ChunkedTask {
        var count: Int
        var chunks: Int
        var context: UnsafeMutableRawPointer
        var work: RangeWork
    }

    private typealias ApplyWork = @convention(c) (UnsafeMutableRawPointer?, Int) -> Void
    private typealias ApplyFunction = @convention(c) (Int, UnsafeMutableRawPointer?, UnsafeMutableRawPointer?, ApplyWork) -> Void

    /// libdispatch's `dispatch_apply_f` (looked up: the Dispatch module does not export it).
    private static let applyFunction: ApplyFunction? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "dispatch_apply_f") else { return nil }
        return unsafeBitCast(symbol, to: ApplyFunction.self)
    }()

    /// Below this many scalar operations a loop stays on the calling thread even with a
    /// spinning team: handing work over is then an atomic on a shared cache line, well under
    /// a microsecond, so products of a decoding step's size (≥ 0.1 M multiply-adds) split.
    public static let spinningMinimumWork = 1 << 15

    /// Runs `body` with `threads` − 1 workers spinning for the parallel loops this thread runs
    /// meanwhile (SpinTeam.c), instead of waking sleeping ones for each: for stretches of many
    /// short loops, such as one decoding step's ~200 small products. The workers busy-wait
    /// until `body` returns, so keep it to such stretches (not a prefill, whose sgemm has
    /// OpenBLAS's own threads). Nested, inside a parallel loop, or while another thread holds
    /// the team, `body` runs with the usual loops. OpenBLAS runs single-threaded meanwhile, as
    /// inside the pool's loops: its threads would fight the spinning workers, and a product
    /// split by OpenBLAS rounds differently from the pool's (a decoding step on the team
    /// gave other logits than the same step on the pool, by 3e-5 at a 1,845-token prompt).
    public static func withSpinningWorkers<T>(_ threads: Int, _ body: () throws -> T) rethrows -> T {
        let threads = min(threads, cores, threadCoreLimit)
        guard spinningTeamEnabled, threads > 1, spinningWorkers == nil, !isInsideParallel else { return try body() }
        let workers = Int(ck_team_acquire(Int32(threads)))
        guard workers > 0 else { return try body() }
        pthread_setspecific(spinningKey, UnsafeRawPointer(bitPattern: workers))
        defer {
            pthread_setspecific(spinningKey, nil)
            ck_team_release()
        }
        return try withBLASThreads(1, body)
    }

    /// Off: `withSpinningWorkers` only runs its body, and every loop wakes the sleeping pool
    /// as before the team existed (`bench llm` measures both; tests compare them).
    nonisolated(unsafe) public static var spinningTeamEnabled = true

    /// Workers spinning for this thread (`withSpinningWorkers`), or nil.
    public static var spinningWorkers: Int? {
        pthread_getspecific(spinningKey).map { Int(bitPattern: $0) }
    }

    /// Items per claim: a few claims per thread, so a thread that falls behind (another
    /// process took its core) leaves its share to the others.
    private static func grain(_ count: Int, threads: Int) -> Int { max(1, count / (4 * threads)) }

    private static let spinningKey: pthread_key_t = {
        var k = pthread_key_t()
        pthread_key_create(&k, nil)
        return k
    }()

    /// Runs `body` with OpenBLAS limited to `threads`, restoring the previous setting.
    public static func withBLASThreads<T>(_ threads: Int, _ body: () throws -> T) rethrows -> T {
        let previous = Int(openblas_get_num_threads())
        if previous == threads { return try body() }
        openblas_set_num_threads(Int32(threads))
        defer { openblas_set_num_threads(Int32(previous)) }
        return try body()
    }

    /// Runs `body` with this thread's parallel loops split over at most `limit` cores: a
    /// background job (the explorer's training) leaves the other cores to the foreground.
    public static func withCoreLimit<T>(_ limit: Int, _ body: () throws -> T) rethrows -> T {
        let previous = pthread_getspecific(limitKey)
        pthread_setspecific(limitKey, UnsafeRawPointer(bitPattern: max(1, limit)))
        defer { pthread_setspecific(limitKey, previous) }
        return try body()
    }

    /// This thread's cap from `withCoreLimit` (no cap: `cores`).
    public static var threadCoreLimit: Int {
        guard let p = pthread_getspecific(limitKey) else { return cores }
        return Int(bitPattern: p)
    }

    private static let limitKey: pthread_key_t = {
        var k = pthread_key_t()
        pthread_key_create(&k, nil)
        return k
    }()

    // Nested parallel loops (an op called inside a per-head worker) run serially.
    fileprivate static let insideKey: pthread_key_t = {
        var k = pthread_key_t()
        pthread_key_create(&k, nil)
        return k
    }()

    private static var isInsideParallel: Bool { pthread_getspecific(insideKey) != nil || ck_team_inside() != 0 }

    /// Marks the worker for the duration of `body` only: GCD reuses its threads, and the
    /// calling thread takes part in concurrentPerform too.
    private static func insideParallel(_ body: () -> Void) {
        let previous = pthread_getspecific(insideKey)
        pthread_setspecific(insideKey, UnsafeRawPointer(bitPattern: 1))
        defer { pthread_setspecific(insideKey, previous) }
        body()
    }
}
