import Foundation
import Explorer

/// A deterministic test double of the model side, for rendering and runner tests only:
/// its numbers are a fixed function of the query, not model output.
final class FixtureBackend: ExplorerBackend, @unchecked Sendable {
    static let modes = [
        ModeDescriptor(id: "tp", title: "TP", isTextPrompt: true),
        ModeDescriptor(id: "soft", title: "Soft prompt"),
        ModeDescriptor(id: "xattn", title: "Cross-attn", hasCrossAttention: true),
        ModeDescriptor(id: "xattn+perceiver", title: "Cross-attn+P", hasCrossAttention: true, usesPerceiver: true),
    ]
    let data: ExplorerData
    private let lock = NSLock()
    private(set) var calls: [String] = []
    /// When set, `run` for this mode waits until cancelled (to test cancellation).
    var blockMode: String?
    var failMode: String?
    /// Modes "still training": `training(_:)` reports them, the runner must not call them.
    var trainingModes: [String: ModeTraining] {
        get { lock.lock(); defer { lock.unlock() }; return pending }
        set { lock.lock(); pending = newValue; lock.unlock() }
    }
    private var pending: [String: ModeTraining] = [:]

    func training(_ mode: ModeDescriptor) -> ModeTraining? {
        lock.lock(); defer { lock.unlock() }
        return pending[mode.id]
    }

    /// A run on a pretrained LLM: its preset and name, and cross-attention in some layers
    /// only (e.g. every third: 0, 3, …, 27). The defaults are a from-scratch run with
    /// cross-attention in both of its layers.
    var preset = "tiny"
    var backbone: String?
    var crossAttentionLayers = [0, 1]
    /// Set: the run has the review task and every mode writes this review.
    var reviewText: String?
    /// The run's modes (a SmolLM2 run also has zero-shot TP).
    var modes = FixtureBackend.modes
    /// When set, `blockMode` still answers once cancelled (a backend that checks too late).
    var answersWhenCancelled = false

    init(data: ExplorerData) { self.data = data }

    var info: BackendInfo {
        BackendInfo(runName: "fixture-run", preset: preset, backbone: backbone, modes: modes,
                    tasks: reviewText == nil ? [.nextItem, .favoriteGenre] : [.nextItem, .favoriteGenre, .review], crossAttentionLayers: crossAttentionLayers, crossAttentionHeads: 2)
    }

    func run(_ q: TaskQuery, mode: ModeDescriptor, control: JobControl) throws -> ModeResult {
        lock.lock(); calls.append("\(mode.id)@\(q.cut)"); lock.unlock()
        if mode.id == blockMode {
            while !control.isCancelled { usleep(1000) }
            if !answersWhenCancelled { throw CancellationError() }
        }
        if mode.id == failMode { throw FixtureError.broken }
        if q.task == .review, let text = reviewText {
            return ModeResult(mode: mode.id, answers: [RankedAnswer(text: text, logProbability: -12)], latency: mode.isTextPrompt ? 0.84 : 0.012,
                              promptTokens: mode.isTextPrompt ? 200 : 16, flops: mode.isTextPrompt ? 5e8 : 4e7, metrics: ["ROUGE-L": 0.25])
        }
        let names: [String]
        switch q.task {
        case .favoriteGenre:
            names = ["Drama", "Comedy", "Thriller", "Animation", "Crime"]
        default:
            names = data.dataset.items.map(\.name)
        }
        // Rotate so modes disagree; the expected answer lands at a mode-dependent rank.
        let shift = modes.firstIndex(of: mode)! + q.cut
        let ranked = (0..<names.count).map { names[($0 + shift) % names.count] }
        let answers = ranked.prefix(q.topK).enumerated().map { RankedAnswer(text: $1, logProbability: -Double($0 + 1)) }
        let tokens = mode.isTextPrompt ? 24 * q.history.count + 16 : 16
        return ModeResult(mode: mode.id, answers: answers, latency: mode.isTextPrompt ? 0.84 : 0.012 * Double(shift % 3 + 1),
                          promptTokens: tokens, flops: Double(tokens) * 2.5e6)
    }

    func gates(control: JobControl) throws -> [GateReading] {
        if crossAttentionLayers != [0, 1] {
            return crossAttentionLayers.enumerated().map { i, l in GateReading(layer: l, alpha: Float(i % 5) * 0.4 - 0.7) }
        }
        return [GateReading(layer: 0, alpha: 0.35), GateReading(layer: 1, alpha: -0.8), GateReading(layer: 2, alpha: 1.7)]
    }

    func attention(_ q: TaskQuery, mode: ModeDescriptor, control: JobControl) throws -> AttentionCapture {
        let rows = ["Which", "movie", "next", "?", "Toy", "Story"]
        let cols = mode.usesPerceiver ? 4 : q.history.count
        var w: [Float] = []
        let layers = crossAttentionLayers.count
        for l in 0..<layers { for h in 0..<2 { for r in 0..<rows.count {
            var row = (0..<cols).map { c in Float(1 + (c * (r + 1) + l + 2 * h) % 5) }
            let s = row.reduce(0, +)
            row = row.map { $0 / s }
            w += row
        } } }
        // Perceiver runs also report what each latent read: (heads 2, latents, events).
        var resampler: [Float]? = nil
        if mode.usesPerceiver {
            let events = q.history.count
            resampler = (0..<(2 * cols)).flatMap { row -> [Float] in
                let raw = (0..<events).map { e in Float(1 + (e + row) % 7) }
                let s = raw.reduce(0, +)
                return raw.map { $0 / s }
            }
        }
        return AttentionCapture(mode: mode.id, rowTokens: rows, answerStart: 4, columns: mode.usesPerceiver ? .latents : .events,
                                columnCount: cols, layers: layers, layerIndices: crossAttentionLayers, heads: 2, weights: w,
                                latentsToEvents: resampler, latentHeads: mode.usesPerceiver ? 2 : 0)
    }

    enum FixtureError: Error, CustomStringConvertible {
        case broken
        var description: String { "fixture backend failure" }
    }
}
