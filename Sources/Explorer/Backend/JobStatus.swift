/// Where one piece of background work stands.
public enum JobStatus<Value: Sendable>: Sendable {
    case waiting
    case running(fraction: Double?, note: String)
    case done(Value)
    case failed(String)

    public var value: Value? {
        if case .done(let v) = self { return v }
        return nil
    }

    public var isBusy: Bool {
        switch self {
        case .waiting, .running: return true
        default: return false
        }
    }
}

/// Whether a trained run is there to answer queries.
public enum BackendAvailability: Sendable {
    /// No run; the message says why and what to do.
    case unavailable(String)
    case opening
    case ready(BackendInfo)
    case failed(String)
}

/// Everything the task, gate and attention views need from the runner, for one query.
public struct RunnerSnapshot: Sendable {
    public var availability: BackendAvailability
    /// The run's modes in run order with their status for the query.
    public var modes: [(mode: ModeDescriptor, status: JobStatus<ModeResult>)]
    public var gates: JobStatus<[GateReading]>
    /// The capture for the query in the attention mode; nil when not requested.
    public var attention: JobStatus<AttentionCapture>?
    public var attentionMode: ModeDescriptor?
    /// Modes whose model is still training (by mode id): their columns show this.
    public var training: [String: ModeTraining] = [:]
    /// The background training job (nil: none running).
    public var job: TrainingStatus?

    public init(availability: BackendAvailability, modes: [(mode: ModeDescriptor, status: JobStatus<ModeResult>)] = [],
                gates: JobStatus<[GateReading]> = .waiting, attention: JobStatus<AttentionCapture>? = nil,
                attentionMode: ModeDescriptor? = nil) {
        self.availability = availability
        self.modes = modes
        self.gates = gates
        self.attention = attention
        self.attentionMode = attentionMode
    }

    public var isBusy: Bool {
        if case .opening = availability { return true }
        guard case .ready = availability else { return false }
        return modes.contains { $0.status.isBusy && training[$0.mode.id] == nil } || (attention?.isBusy ?? false)
    }
}
