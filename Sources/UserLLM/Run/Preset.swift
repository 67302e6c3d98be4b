import AtomicIO
import Foundation

/// Model sizes and per-stage training settings (DESIGN §4 presets). The files in
/// `Assets/presets/` are the source of truth; `PresetFiles` compiles the same JSON in (a
/// test keeps them equal) because on Linux `Bundle.module` is a folder beside the
/// executable that is lost when the binary is copied, and the UserLLM target would need a
/// resources entry in Package.swift. `load(from:)` reads an edited copy.
public struct Preset: Codable, Equatable, Sendable {
    public struct Perceiver: Codable, Equatable, Sendable {
        public var latents: Int
        public var layers: Int
        public var heads: Int
    }

    public struct LoRA: Codable, Equatable, Sendable {
        public var rank: Int
        public var alpha: Float
        /// The LLM's projections that get adapters: self-attention "wq", "wk", "wv", "wo" and
        /// the SwiGLU MLP's "w1", "w2", "w3". Default q and v, as Hu et al. found enough; the
        /// MLP holds two thirds of a SmolLM2 layer's weights, so it is the other place to try.
        public var targets: [String]

        /// What `targets` may name.
        public static let attentionTargets: Set<String> = ["wq", "wk", "wv", "wo"]
        public static let mlpTargets: Set<String> = ["w1", "w2", "w3"]
        public static let defaultTargets = ["wq", "wv"]

        public init(rank: Int, alpha: Float, targets: [String] = LoRA.defaultTargets) {
            self.rank = rank
            self.alpha = alpha
            self.targets = targets
        }

        private enum CodingKeys: String, CodingKey { case rank, alpha, targets }

        /// Lenient in `targets` only: runs and presets written before it existed had q and v.
        public init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            rank = try c.decode(Int.self, forKey: .rank)
            alpha = try c.decode(Float.self, forKey: .alpha)
            targets = try c.decodeIfPresent([String].self, forKey: .targets) ?? LoRA.defaultTargets
        }
    }

    /// Per-stage settings: LM pretraining, encoder pretraining, finetuning of an embedding
    /// model (soft / xattn) and of a TP model (whose long prompts make steps dearer).
    public struct Stages: Codable, Equatable, Sendable {
        public var lm: TrainerConfig
        public var encoder: TrainerConfig
        public var finetune: TrainerConfig
        public var finetuneTP: TrainerConfig
    }

    public var name: String
    /// A pretrained LLM (`PretrainedModel.known`, e.g. "smollm2-135m") whose GGUF file gives
    /// the LLM's weights and tokenizer; nil: the LLM is trained from scratch (tokenizer and
    /// LM stages). With a backbone `llm` must be the file's shape (checked when a run opens
    /// it) and there is no LM pretraining.
    public var backbone: String?
    /// History window in events (MODEL_PLAN: 50).
    public var windowLength: Int
    /// BPE vocabulary (= llm.vocabSize).
    public var tokenizerVocabSize: Int
    /// Review answers are cut to this many tokens.
    public var maxAnswerTokens: Int
    /// LM pretraining packs <|bos|> text <|eos|> runs into blocks of this many tokens.
    public var lmBlockLength: Int
    /// Lenient: keys left out take EncoderConfig's defaults.
    public var encoder: EncoderConfig
    public var llm: LanguageModelConfig
    public var perceiver: Perceiver
    public var lora: LoRA
    public var stages: Stages
    public var seed: UInt64

    public static let names = ["tiny", "small", "base", "smol"]

    /// A built-in preset by name, or a JSON file by path.
    public static func named(_ nameOrPath: String) throws -> Preset {
        if let json = PresetFiles.json[nameOrPath] { return try decode(Data(json.utf8), file: "preset \(nameOrPath)") }
        let url = URL(fileURLWithPath: nameOrPath)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw RunError.badPreset("unknown preset '\(nameOrPath)': use \(names.joined(separator: ", ")) or a JSON file")
        }
        return try load(from: url)
    }

    public static func load(from url: URL) throws -> Preset {
        let data: Data
        do { data = try FileBytes.read(url, limit: 1 << 20) } catch { throw RunError.badPreset("\(error)") }
        return try decode(data, file: url.path)
    }

    /// Decodes and validates (`RunConfigValidation`): a preset that decodes but asks for
    /// zero heads or a terabyte of weights is refused here, naming the key.
    static func decode(_ data: Data, file: String) throws -> Preset {
        let preset: Preset
        do { preset = try JSONDecoder().decode(Preset.self, from: FileBytes.droppingUTF8BOM(data)) } catch {
            throw RunError.badPreset("\(file): \(RunError.describe(error))")
        }
        try RunConfigValidation.validate(preset, file: file)
        return preset
    }
}
