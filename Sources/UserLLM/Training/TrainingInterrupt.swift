import Dispatch
import Foundation

/// Ctrl-C during training: the first SIGINT asks the running trainer to save its checkpoint
/// and stop at the next step boundary (a second one kills the process as usual). Tests call
/// `request()` to interrupt programmatically.
public enum TrainingInterrupt {
    private static let lock = NSLock()
    private static var flag = false
    private static var source: DispatchSourceSignal?

    public static var isRequested: Bool { lock.lock(); defer { lock.unlock() }; return flag }

    public static func request() { lock.lock(); flag = true; lock.unlock() }

    public static func reset() { lock.lock(); flag = false; lock.unlock() }

    /// Routes SIGINT to `request()` (idempotent).
    public static func installSignalHandler() {
        lock.lock(); defer { lock.unlock() }
        guard source == nil else { return }
        signal(SIGINT, SIG_IGN)
        let s = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        s.setEventHandler {
            if isRequested {
                // Second Ctrl-C: the user means it.
                signal(SIGINT, SIG_DFL)
                raise(SIGINT)
            }
            FileHandle.standardError.write(Data("\ninterrupt: saving a checkpoint at the end of this step (Ctrl-C again to kill)\n".utf8))
            request()
        }
        s.resume()
        source = s
    }
}
