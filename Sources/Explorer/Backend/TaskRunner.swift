import Foundation

/// Runs the backend off the UI thread: opens the run, then answers the latest query
/// mode by mode (embedding modes first, text prompt last), caching every result so
/// moving the cut back is instant. A newer query cancels the work of an older one.
///
/// The UI thread calls `request` after each input and `snapshot` to draw; `version`
/// changes whenever there is something new to draw.
public final class TaskRunner: @unchecked Sendable {
    private struct ModeKey: Hashable { var query: TaskQuery; var mode: String }

    private let lock = NSLock()
    private let queue = DispatchQueue(label: "userllm.explorer.backend", qos: .userInitiated)
    private var backend: ExplorerBackend?
    private var availability: BackendAvailability
    private var modes: [ModeDescriptor] = []
    private var results: [ModeKey: JobStatus<ModeResult>] = [:]
    private var attention: [ModeKey: JobStatus<AttentionCapture>] = [:]
    private var gates: JobStatus<[GateReading]> = .waiting
    private var current: TaskQuery?
    private var wantsAttention = false
    private var wantsPerceiver = false
    private var generation = 0
    /// Counts the runs opened (`reopen`): work for an older one is dropped.
    private var epoch = 0
    private var control: JobControl?
    private var versionValue = 0
    /// Results kept before the cache is trimmed to the current query's.
    private let cacheLimit = 2048
    private var jobStatus: (@Sendable () -> TrainingStatus?)?

    /// The background training job's status for the status bar and the training screen
    /// (nil: none). Called on the UI thread at every frame.
    public var backgroundJob: (@Sendable () -> TrainingStatus?)? {
        get { lock.lock(); defer { lock.unlock() }; return jobStatus }
        set { lock.lock(); jobStatus = newValue; versionValue += 1; lock.unlock() }
    }

    /// A runner with no model: every view says `reason`.
    public init(unavailable reason: String) {
        availability = .unavailable(reason)
    }

    /// A runner that opens the backend in the background (loading checkpoints can take
    /// a moment; the first frame does not wait for it).
    public init(opening open: @escaping @Sendable () throws -> ExplorerBackend) {
        availability = .opening
        start(open, epoch: 0)
    }

    /// Swaps to another run (the other backbone's): stops the running job, forgets the
    /// old run's modes, gates and cached answers, and opens `open` in the background as
    /// the first open did, so the screen shows "opening…" meanwhile. No call to the old
    /// backend starts after this returns, and whatever its cancelled job still returns
    /// is dropped.
    public func reopen(_ open: @escaping @Sendable () throws -> ExplorerBackend) {
        lock.lock()
        control?.cancel()
        epoch += 1
        generation += 1
        let e = epoch
        backend = nil
        modes = []
        results = [:]
        attention = [:]
        gates = .waiting
        availability = .opening
        versionValue += 1
        lock.unlock()
        start(open, epoch: e)
    }

    /// Opens the backend on the queue, unless a later `reopen` came first.
    private func start(_ open: @escaping @Sendable () throws -> ExplorerBackend, epoch e: Int) {
        queue.async { [self] in
            lock.lock()
            let superseded = e != epoch
            lock.unlock()
            if superseded { return }
            do {
                let b = try open()
                let info = b.info
                lock.lock()
                guard e == epoch else { lock.unlock(); return }
                backend = b
                modes = info.modes.filter { !$0.isTextPrompt } + info.modes.filter(\.isTextPrompt)
                availability = .ready(info)
                versionValue += 1
                lock.unlock()
                let g: JobStatus<[GateReading]>
                do { g = .done(try b.gates(control: JobControl())) } catch { g = .failed("\(error)") }
                lock.lock()
                if e == epoch { gates = g; versionValue += 1 }
                lock.unlock()
                schedule()
            } catch {
                lock.lock()
                if e == epoch { availability = .failed("Could not open the run: \(error)"); versionValue += 1 }
                lock.unlock()
            }
        }
    }

    /// Increments whenever results, progress or availability change.
    public var version: Int {
        lock.lock(); defer { lock.unlock() }
        return versionValue
    }

    /// Asks for `query` (nil: nothing selected); with `attention`, also the attention
    /// capture, of the Perceiver mode when `perceiver` (else of plain cross-attention).
    public func request(_ query: TaskQuery?, attention wantAttention: Bool, perceiver: Bool = false) {
        lock.lock()
        if query == current && wantAttention == wantsAttention && perceiver == wantsPerceiver { lock.unlock(); return }
        if query != current { control?.cancel() }
        current = query
        wantsAttention = wantAttention
        wantsPerceiver = perceiver
        lock.unlock()
        schedule()
    }

    /// A mode's model became ready (or its training moved on): re-reads the gates and
    /// answers what the current query still lacks. Call from any thread.
    /// `invalidating`: modes whose model changed (answers cached for them are dropped).
    public func refresh(invalidating changed: Set<String> = []) {
        if !changed.isEmpty {
            lock.lock()
            results = results.filter { !changed.contains($0.key.mode) || $0.value.isBusy }
            attention = attention.filter { !changed.contains($0.key.mode) || $0.value.isBusy }
            versionValue += 1
            lock.unlock()
        }
        queue.async { [self] in
            lock.lock()
            let b = backend
            let e = epoch
            lock.unlock()
            if let b {
                let g: JobStatus<[GateReading]>
                do { g = .done(try b.gates(control: JobControl())) } catch { g = .failed("\(error)") }
                lock.lock()
                if e == epoch { gates = g }
                lock.unlock()
            }
            lock.lock(); versionValue += 1; lock.unlock()
        }
        schedule()
    }

    /// Something new to draw (training progress): bumps the version only.
    public func touch() {
        lock.lock(); versionValue += 1; lock.unlock()
    }

    /// On quit: cancels the running job, starts no other, and waits up to `seconds` for the
    /// queue to empty. True when nothing runs any more; false when a job that cannot be
    /// interrupted (opening a run) is still at work. Jobs only read, so the caller may then
    /// leave without waiting, but must not tear the process down beside one (library
    /// destructors would run under a job still inside them).
    public func stop(waitingAtMost seconds: Double) -> Bool {
        lock.lock()
        control?.cancel()
        epoch += 1
        generation += 1
        current = nil
        backend = nil
        lock.unlock()
        let idle = DispatchSemaphore(value: 0)
        queue.async { idle.signal() }
        return idle.wait(timeout: .now() + seconds) == .success
    }

    /// Blocks until the current query has no work left (tests and benchmarks).
    public func waitUntilIdle() {
        queue.sync {}
        queue.sync {}
    }

    private func schedule() {
        lock.lock()
        generation += 1
        let gen = generation
        lock.unlock()
        queue.async { [self] in work(generation: gen) }
    }

    /// On the backend queue: does every job the current query still needs, in order.
    private func work(generation gen: Int) {
        while true {
            lock.lock()
            guard gen == generation, let b = backend, let q = current else { lock.unlock(); return }
            var job: (ModeDescriptor, Bool)? = nil  // (mode, isAttention)
            // Modes still training wait (refresh() comes back when their checkpoint exists).
            for m in modes where m.answers(q.task) && b.training(m) == nil
                && results[ModeKey(query: q, mode: m.id)]?.value == nil && !isFailed(results[ModeKey(query: q, mode: m.id)]) {
                job = (m, false)
                break
            }
            if job == nil, wantsAttention, let m = attentionModeLocked(), b.training(m) == nil,
               attention[ModeKey(query: q, mode: m.id)]?.value == nil, !isFailed(attention[ModeKey(query: q, mode: m.id)]) {
                job = (m, true)
            }
            guard let (mode, isAttention) = job else { lock.unlock(); return }
            if results.count + attention.count > cacheLimit { trimLocked(keeping: q) }
            let e = epoch
            let key = ModeKey(query: q, mode: mode.id)
            let ctl = JobControl { [weak self] f, n in self?.progressed(key, attention: isAttention, fraction: f, note: n) }
            control = ctl
            if isAttention { attention[key] = .running(fraction: nil, note: "") } else { results[key] = .running(fraction: nil, note: "") }
            versionValue += 1
            lock.unlock()

            var outcome: Result<Any, Error>
            do {
                outcome = isAttention ? .success(try b.attention(q, mode: mode, control: ctl)) : .success(try b.run(q, mode: mode, control: ctl))
            } catch {
                outcome = .failure(error)
            }
            lock.lock()
            // Another run was opened meanwhile: this answer is the old run's.
            guard e == epoch else { lock.unlock(); return }
            switch outcome {
            case .success(let v):
                if let r = v as? ModeResult { results[key] = .done(r) }
                if let a = v as? AttentionCapture { attention[key] = .done(a) }
            case .failure(let e) where e is CancellationError || ctl.isCancelled:
                if isAttention { attention[key] = nil } else { results[key] = nil }
            case .failure(let e):
                if isAttention { attention[key] = .failed("\(e)") } else { results[key] = .failed("\(e)") }
            }
            versionValue += 1
            lock.unlock()
        }
    }

    private func isFailed<T>(_ s: JobStatus<T>?) -> Bool {
        if case .failed = s { return true }
        return false
    }

    private func progressed(_ key: ModeKey, attention isAttention: Bool, fraction: Double?, note: String) {
        lock.lock()
        // Only a job still in flight may update its line (a late report must not undo a result).
        if isAttention, case .running? = attention[key] { attention[key] = .running(fraction: fraction, note: note); versionValue += 1 }
        if !isAttention, case .running? = results[key] { results[key] = .running(fraction: fraction, note: note); versionValue += 1 }
        lock.unlock()
    }

    private func trimLocked(keeping q: TaskQuery) {
        results = results.filter { $0.key.query == q }
        attention = attention.filter { $0.key.query == q }
    }

    private func attentionModeLocked() -> ModeDescriptor? {
        let xattn = modes.filter(\.hasCrossAttention)
        return xattn.first { $0.usesPerceiver == wantsPerceiver } ?? xattn.first
    }

    /// What to draw for `query`.
    public func snapshot(for query: TaskQuery?) -> RunnerSnapshot {
        lock.lock(); defer { lock.unlock() }
        let job = jobStatus?()
        var training: [String: ModeTraining] = [:]
        if let b = backend {
            for m in modes { if let t = b.training(m) { training[m.id] = t } }
        }
        guard let q = query else {
            var snap = RunnerSnapshot(availability: availability, gates: gates)
            snap.training = training
            snap.job = job
            return snap
        }
        let ms = modes.filter { $0.answers(q.task) }.map { m in (mode: m, status: results[ModeKey(query: q, mode: m.id)] ?? .waiting) }
        let am = attentionModeLocked()
        let att = am.map { attention[ModeKey(query: q, mode: $0.id)] ?? .waiting }
        var snap = RunnerSnapshot(availability: availability, modes: ms, gates: gates, attention: wantsAttention ? att : nil, attentionMode: am)
        snap.training = training
        snap.job = job
        return snap
    }
}
