import Foundation
import UserLLM

/// One updating line on stderr: stage, step bar, loss, tokens/s, ETA.
final class TrainProgressBar {
    private let isTerminal = isatty(STDERR_FILENO) == 1
    private var lastDraw = Date.distantPast
    private var open = false

    func message(_ text: String) {
        finish()
        FileHandle.standardError.write(Data("\(text)\n".utf8))
    }

    func update(_ p: TrainerProgress) {
        let now = Date()
        // Redraw at most 10 times a second, and always on validation and the last step.
        guard p.validationLoss != nil || p.step == p.totalSteps || now.timeIntervalSince(lastDraw) > 0.1 else { return }
        lastDraw = now
        let width = 24
        let filled = min(width, width * p.step / max(1, p.totalSteps))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        // Pace and ETA from the last few steps (StepPace), not the stage's average so far.
        var line = String(format: "%@ [%@] %d/%d loss %.4f  %.2f s/step  %.0f tok/s  ETA %@", p.stage, bar, p.step, p.totalSteps,
                          p.loss, p.secondsPerStep, p.tokensPerSecond, Self.duration(p.eta))
        if let v = p.validationLoss { line += String(format: "  val %.4f", v) }
        if isTerminal {
            FileHandle.standardError.write(Data("\r\u{1B}[2K\(line)".utf8))
            open = true
            if p.validationLoss != nil { FileHandle.standardError.write(Data("\n".utf8)); open = false }
        } else if p.validationLoss != nil || p.step == p.totalSteps {
            FileHandle.standardError.write(Data("\(line)\n".utf8))
        }
    }

    func finish() {
        if open { FileHandle.standardError.write(Data("\n".utf8)); open = false }
    }

    static func duration(_ s: Double) -> String {
        guard s.isFinite else { return "--" }
        let t = Int(s.rounded())
        return t >= 60 ? "\(t / 60)m\(String(format: "%02d", t % 60))s" : "\(t)s"
    }
}
