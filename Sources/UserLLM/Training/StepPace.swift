/// The recent pace of a training stage, for an honest ETA: the mean of the last `window`
/// step times (a stage's steps slow down when a later, longer batch shape or a busier
/// machine arrives; a whole-stage average or a tokens/s figure from the start lags
/// behind by minutes), plus the last validation's time for the validations still due.
public struct StepPace: Sendable, Equatable {
    /// Steps averaged. 5: one slow or fast step moves the estimate by a fifth, and a lasting
    /// change of pace is fully followed after five steps.
    public let window: Int
    private var seconds: [Double] = []
    private var tokens: [Int] = []
    /// Seconds the last validation took (nil: none yet).
    public private(set) var validationSeconds: Double?

    public init(window: Int = 5) {
        precondition(window > 0, "StepPace window must be positive")
        self.window = window
    }

    public mutating func addStep(seconds s: Double, tokens n: Int) {
        seconds.append(max(0, s))
        tokens.append(n)
        if seconds.count > window {
            seconds.removeFirst(seconds.count - window)
            tokens.removeFirst(tokens.count - window)
        }
    }

    public mutating func addValidation(seconds s: Double) { validationSeconds = max(0, s) }

    /// Mean seconds per step over the window (nil before the first step).
    public var secondsPerStep: Double? {
        seconds.isEmpty ? nil : seconds.reduce(0, +) / Double(seconds.count)
    }

    /// Tokens per second over the window (0 before the first step).
    public var tokensPerSecond: Double {
        let t = seconds.reduce(0, +)
        return t > 0 ? Double(tokens.reduce(0, +)) / t : 0
    }

    /// Seconds left for `steps` more steps and `validations` more validations at the recent
    /// pace (validations at the last one's time; none measured yet counts as a step).
    public func eta(steps: Int, validations: Int = 0) -> Double {
        guard let perStep = secondsPerStep else { return .nan }
        return Double(max(0, steps)) * perStep + Double(max(0, validations)) * (validationSeconds ?? perStep)
    }

    /// Validations a stage of `total` steps validating every `every` steps (and at its
    /// end) still runs after step `done`.
    public static func validationsLeft(done: Int, total: Int, every: Int) -> Int {
        guard done < total else { return 0 }
        guard every > 0 else { return 1 }
        let periodic = total / every - done / every
        return periodic + (total % every == 0 ? 0 : 1)
    }
}
