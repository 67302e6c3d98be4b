import AtomicIO
import Foundation
import NN
import Tensor
import Timelines

/// A run's pretrained LLM (`Preset.backbone`): the GGUF file, its sha256 (a run records it
/// and refuses another file), its tokenizer and chat template. The LLM's weights come from
/// here at the start of every finetuning and whenever a saved model is opened; checkpoints
/// hold only what training changed.
public final class Backbone {
    public let name: String
    public let file: GGUFFile
    public let sha256: String
    public let tokenizer: GGUFTokenizer
    public let chat: ChatTemplate

    /// Opens `name`'s cached file (or `url`), checks that `llm` is its shape and, when
    /// `expectedSHA256` is given, that it is the very file a run was trained with.
    public init(name: String, llm: LanguageModelConfig, expectedSHA256: String?, url: URL? = nil) throws {
        self.name = name
        let location: URL
        do { location = try url ?? ModelLocation.resolve(model: name, file: nil) } catch {
            throw RunError.badRun("backbone \(name): \(error)")
        }
        let digest = try SHA256.hex(fileAt: location)
        if let expectedSHA256, expectedSHA256 != digest {
            throw RunError.badRun("\(location.path) has sha256 \(digest), but this run was trained with the file whose "
                                  + "sha256 is \(expectedSHA256): fetch that file again (`userllm model fetch \(name)`) or train a new run")
        }
        sha256 = digest
        file = try GGUFFile(url: location)
        try Self.check(llm, against: try PretrainedLLM.config(of: file), file: location.path)
        tokenizer = try GGUFTokenizer(file: file)
        chat = try tokenizer.chatTemplate()
    }

    /// This backbone, reused for a run that names `name` and may have recorded a sha256.
    func checked(name wanted: String, expectedSHA256: String?) throws -> Backbone {
        guard wanted == name else { throw RunError.badRun("backbone \(name) given for a run of \(wanted)") }
        if let expectedSHA256, expectedSHA256 != sha256 {
            throw RunError.badRun("\(file.url.path) has sha256 \(sha256), but this run was trained with the file whose sha256 is \(expectedSHA256)")
        }
        return self
    }

    /// The preset's `llm` must describe the file's model; the fusion keys (cross-attention,
    /// its layers, init) and a shorter context are the preset's own choice.
    static func check(_ llm: LanguageModelConfig, against model: LanguageModelConfig, file: String) throws {
        let keys: [(String, String, String)] = [
            ("vocabSize", "\(llm.vocabSize)", "\(model.vocabSize)"), ("dModel", "\(llm.dModel)", "\(model.dModel)"),
            ("layers", "\(llm.layers)", "\(model.layers)"), ("heads", "\(llm.heads)", "\(model.heads)"),
            ("kvHeads", "\(llm.kvHeads)", "\(model.kvHeads)"), ("mlpHidden", "\(llm.mlpHidden)", "\(model.mlpHidden)"),
            ("ropeBase", "\(llm.ropeBase)", "\(model.ropeBase)"), ("normEps", "\(llm.normEps)", "\(model.normEps)"),
            ("ropeStyle", "\(llm.ropeStyle)", "\(model.ropeStyle)"),
        ]
        for (key, ours, theirs) in keys where ours != theirs {
            throw ConfigError(file: "preset", key: "llm.\(key)", value: ours, allowed: "\(theirs), as in the backbone file \(file)")
        }
        guard llm.contextLength <= model.contextLength else {
            throw ConfigError(file: "preset", key: "llm.contextLength", value: "\(llm.contextLength)",
                              allowed: "at most \(model.contextLength), the backbone's context")
        }
    }

    /// Copies the file's weights into `model`, dequantised; the cross-attention layers the
    /// file has no weights for keep their init (gates 0: the model starts as the file's).
    public func loadWeights(into model: LanguageModel) throws {
        try PretrainedLLM.copyWeights(from: file, into: model)
    }
}

extension Backbone {
    /// The file's quantised matrices (Q8_0, Q4_0, Q4_1) by our parameter names: a frozen
    /// LLM keeps these instead of f32 copies (`LanguageModel.keepQuantized`); f32/f16 ones
    /// (norms) are left out.
    public func quantizedMatrices(layers: Int) throws -> [String: QuantizedMatrix] {
        var out: [String: QuantizedMatrix] = [:]
        for (ours, gguf) in PretrainedLLM.tensorNames(layers: layers) {
            let t = try file.requireTensor(gguf)
            guard t.dimensions.count == 2, let type = QuantizedMatrix.BlockType(rawValue: Int32(t.type.rawValue)) else { continue }
            out[ours] = try QuantizedMatrix(type: type, rows: t.rows, columns: t.columns, bytes: file.bytes(of: t), owner: file)
        }
        return out
    }
}
