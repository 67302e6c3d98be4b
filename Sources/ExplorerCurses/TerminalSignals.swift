import Foundation
import CNcursesW

/// Signal handling that never leaves the terminal broken.
///
/// SIGINT/SIGTERM/SIGHUP only set a flag the UI loop sees within one input timeout
/// (it then restores the terminal and exits); a second one restores at once and dies.
/// Crashes (Swift traps are SIGILL/SIGTRAP, plus SIGABRT/SIGSEGV/SIGBUS/SIGFPE) restore
/// the terminal first, then die with the original signal so the crash still reports.
enum TerminalSignals {
    /// The signal that asked us to stop, or 0. Written only by the handler.
    nonisolated(unsafe) static var pending: Int32 = 0

    static let stopSignals: [Int32] = [SIGINT, SIGTERM, SIGHUP]
    static let crashSignals: [Int32] = [SIGILL, SIGTRAP, SIGABRT, SIGSEGV, SIGBUS, SIGFPE]

    static func install() {
        for s in stopSignals {
            signal(s) { sig in
                if TerminalSignals.pending != 0 {
                    endwin()
                    signal(sig, SIG_DFL)
                    raise(sig)
                }
                TerminalSignals.pending = sig
            }
        }
        for s in crashSignals {
            signal(s) { sig in
                endwin()
                signal(sig, SIG_DFL)
                raise(sig)
            }
        }
    }

    static func uninstall() {
        for s in stopSignals + crashSignals { signal(s, SIG_DFL) }
    }
}
