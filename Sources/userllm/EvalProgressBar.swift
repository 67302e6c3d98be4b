import Foundation

/// A one-line progress bar on stderr (redrawn in place on a terminal; in a log a line every
/// 10% or every minute, whichever comes first, since a 200-event TP answer takes ~25 s and
/// 10% of an evaluation can be a quarter of an hour): done/total, rate, ETA and what is running.
///
/// With stages (`beginStage`: one model's answers, then the baselines'), rate and ETA are
/// the current stage's, and the answers of later stages are counted, not timed: a TP answer
/// can cost 40 of xattn's, so no average predicts a stage that has not started (an overall
/// rate once showed 5 h for a 37-minute evaluation).
final class EvalProgressBar {
    private let start = Date()
    private var lastDraw = Date.distantPast
    private var lastDecile = -1
    private let terminal = isatty(STDERR_FILENO) != 0
    private var stage: (answers: Int, start: Date, doneBefore: Int)?
    private var lastDone = 0

    func beginStage(answers: Int) {
        stage = (answers, Date(), lastDone)
    }

    func update(_ done: Int, _ total: Int, _ label: String) {
        let now = Date()
        lastDone = done
        let finished = done >= total
        let decile = total > 0 ? done * 10 / total : 10
        if terminal {
            guard finished || now.timeIntervalSince(lastDraw) > 0.1 else { return }
        } else {
            guard decile != lastDecile || now.timeIntervalSince(lastDraw) >= 60 else { return }
        }
        lastDraw = now
        lastDecile = decile
        let stageDone = done - (stage?.doneBefore ?? 0)
        let elapsed = now.timeIntervalSince(stage?.start ?? start)
        let rate = elapsed > 0 ? Double(stageDone) / elapsed : 0
        let stageLeft = max(0, (stage?.answers ?? total) - stageDone)
        let eta = rate > 0 ? Double(stageLeft) / rate : 0
        let after = max(0, total - done - stageLeft)
        let width = 24
        let filled = total > 0 ? min(width, done * width / total) : width
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        // Below 1 ex/s the rate reads as seconds per example: "0.0 ex/s" would say nothing.
        let speed = rate >= 1 || stageDone == 0 ? String(format: "%.1f ex/s", rate) : String(format: "%.1f s/ex", 1 / rate)
        let then = after > 0 ? ", then \(after) answers of later stages" : ""
        let line = String(format: "%@ %d/%d  %@  ETA %@%@  %@", bar, done, total, speed, Self.clock(eta), then, label)
        FileHandle.standardError.write(Data(((terminal ? "\r\u{1B}[K" : "") + line + (terminal && !finished ? "" : "\n")).utf8))
    }

    static func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
