import Foundation
import NN
import Tensor

/// A pretrained Llama (SmolLM2, TinyLlama, …) read from its GGUF file into our
/// `LanguageModel`, weights dequantised to f32.
///
/// Config from the `llama.*` metadata; the vocabulary is token_embd's rows (checked against
/// `llama.vocab_size` and the token list when the file has them). The LM head is tied to
/// token_embd, as our model's is: a file with its own `output.weight` is refused (its head
/// would be silently replaced by the embedding). Tensor names map as
///
///   token_embd.weight            → tok_emb.weight             (V, d)
///   blk.N.attn_norm.weight       → blocks.N.attn_norm.weight  (d)
///   blk.N.attn_{q,k,v,output}    → blocks.N.attn.{wq,wk,wv,wo} (d | kvDim, d)
///   blk.N.ffn_norm.weight        → blocks.N.mlp_norm.weight   (d)
///   blk.N.ffn_{gate,up,down}     → blocks.N.mlp.{w1,w3,w2}    SwiGLU: w2(silu(w1·h) ⊙ w3·h)
///   output_norm.weight           → norm.weight                (d)
///
/// RoPE is `.interleaved`: llama.cpp's converter permutes each head's q and k rows from HF's
/// rotate-half layout into (2i, 2i+1) pairs, which ggml's "normal" rope turns. `ropeStyle`
/// exists only so a test can show that rotate-half on these weights is wrong.
public final class PretrainedLLM {
    public let file: GGUFFile
    public let config: LanguageModelConfig
    public let model: LanguageModel
    /// Wall-clock seconds of `init` (file already mapped): building and dequantising.
    public let loadSeconds: Double

    /// `ropeStyle`: leave it `.interleaved` (see above).
    public init(file: GGUFFile, ropeStyle: RotaryStyle = .interleaved) throws {
        let clock = Date()
        self.file = file
        var config = try Self.config(of: file)
        config.ropeStyle = ropeStyle
        // initStd 0: every weight comes from the file, so no random init is drawn.
        config.initStd = 0
        self.config = config
        let model = LanguageModel(config: config, seed: 0)
        try Self.copyWeights(from: file, into: model)
        self.model = model
        loadSeconds = Date().timeIntervalSince(clock)
    }

    /// Opens `url` and loads it.
    public convenience init(url: URL, ropeStyle: RotaryStyle = .interleaved) throws {
        try self.init(file: GGUFFile(url: url), ropeStyle: ropeStyle)
    }

    /// The model's shape from the `llama.*` metadata.
    public static func config(of file: GGUFFile) throws -> LanguageModelConfig {
        let path = file.url.path
        func fail(_ item: String?, _ reason: String) -> PretrainedLLMError {
            PretrainedLLMError(file: path, item: item, reason: reason)
        }
        let architecture = try file.requireString("general.architecture")
        guard architecture == "llama" else {
            throw fail("general.architecture", "architecture '\(architecture)' is not supported (only llama)")
        }
        func int(_ key: String) throws -> Int {
            let n = try file.requireInt(key)
            guard n > 0 else { throw fail(key, "must be positive, is \(n)") }
            return n
        }
        let d = try int("llama.embedding_length"), heads = try int("llama.attention.head_count")
        let kvHeads = file.metadata["llama.attention.head_count_kv"] == nil ? heads : try int("llama.attention.head_count_kv")
        guard d % heads == 0 else { throw fail("llama.attention.head_count", "\(heads) heads do not divide d_model \(d)") }
        guard heads % kvHeads == 0 else {
            throw fail("llama.attention.head_count_kv", "\(kvHeads) KV heads do not divide \(heads) heads")
        }
        if file.metadata["llama.rope.dimension_count"] != nil {
            let ropeDims = try int("llama.rope.dimension_count")
            guard ropeDims == d / heads else {
                throw fail("llama.rope.dimension_count", "RoPE over \(ropeDims) of \(d / heads) head features is not supported")
            }
        }
        if let scaling = file.metadata["llama.rope.scaling.type"]?.string, scaling != "none" {
            throw fail("llama.rope.scaling.type", "RoPE scaling '\(scaling)' is not supported")
        }
        let base = file.metadata["llama.rope.freq_base"] == nil ? 10000 : try file.requireFloat("llama.rope.freq_base")
        let eps = try file.requireFloat("llama.attention.layer_norm_rms_epsilon")
        guard base > 0, eps > 0, base.isFinite, eps.isFinite else {
            throw fail("llama.rope.freq_base", "RoPE base \(base) and RMS eps \(eps) must be positive")
        }
        let embedding = try file.requireTensor("token_embd.weight")
        guard embedding.dimensions.count == 2, embedding.columns == d else {
            throw fail("token_embd.weight", "shape \(embedding.shape) is not (vocab, \(d))")
        }
        let vocab = embedding.rows
        if file.metadata["llama.vocab_size"] != nil, try int("llama.vocab_size") != vocab {
            throw fail("llama.vocab_size", "\(try file.requireInt("llama.vocab_size")) ≠ token_embd's \(vocab) rows")
        }
        if case .array(let tokens)? = file.metadata["tokenizer.ggml.tokens"], tokens.count != vocab {
            throw fail("tokenizer.ggml.tokens", "\(tokens.count) tokens ≠ token_embd's \(vocab) rows")
        }
        if file.tensor("output.weight") != nil {
            throw fail("output.weight", "an untied output head is not supported (the head is tied to token_embd)")
        }
        return LanguageModelConfig(vocabSize: vocab, dModel: d, layers: try int("llama.block_count"), heads: heads,
                                   kvHeads: kvHeads, mlpHidden: try int("llama.feed_forward_length"),
                                   contextLength: try int("llama.context_length"), ropeBase: Float(base),
                                   normEps: Float(eps), ropeStyle: .interleaved)
    }

    /// GGUF tensor name for each of our parameter names.
    public static func tensorNames(layers: Int) -> [(ours: String, gguf: String)] {
        var names = [("tok_emb.weight", "token_embd.weight")]
        for i in 0..<layers {
            let (o, g) = ("blocks.\(i).", "blk.\(i).")
            names += [(o + "attn_norm.weight", g + "attn_norm.weight"),
                      (o + "attn.wq.weight", g + "attn_q.weight"), (o + "attn.wk.weight", g + "attn_k.weight"),
                      (o + "attn.wv.weight", g + "attn_v.weight"), (o + "attn.wo.weight", g + "attn_output.weight"),
                      (o + "mlp_norm.weight", g + "ffn_norm.weight"),
                      (o + "mlp.w1.weight", g + "ffn_gate.weight"), (o + "mlp.w3.weight", g + "ffn_up.weight"),
                      (o + "mlp.w2.weight", g + "ffn_down.weight")]
        }
        return names + [("norm.weight", "output_norm.weight")]
    }

    /// Dequantises every tensor straight into its parameter, checking shapes and values;
    /// tensors run in parallel (each is independent).
    static func copyWeights(from file: GGUFFile, into model: LanguageModel) throws {
        let params = model.namedParameters()
        let names = tensorNames(layers: model.config.layers)
        let path = file.url.path
        var jobs: [(GGUFTensorInfo, Tensor)] = []
        for (ours, gguf) in names {
            guard let target = params[ours] else { preconditionFailure("no parameter \(ours)") }
            let info = try file.requireTensor(gguf)
            guard info.shape == target.shape else {
                throw PretrainedLLMError(file: path, item: gguf,
                                         reason: "shape \(info.shape) where the model needs \(target.shape) (\(ours))")
            }
            guard info.type.isSupported else {
                throw PretrainedLLMError(file: path, item: gguf, reason: "tensor type \(info.type.name) is not supported")
            }
            jobs.append((info, target))
        }
        let mapped = Set(names.map(\.gguf))
        if let extra = file.tensors.first(where: { !mapped.contains($0.name) }) {
            throw PretrainedLLMError(file: path, item: extra.name, reason: "a tensor the llama model has no place for")
        }
        // Non-finite weights would poison every logit downstream: refuse them by name.
        let bad = UnsafeMutablePointer<Int>.allocate(capacity: jobs.count)
        defer { bad.deallocate() }
        bad.initialize(repeating: -1, count: jobs.count)
        jobs.withUnsafeBufferPointer { jobs in
            Parallel.forEach(jobs.count, workPerItem: 1 << 20) { range in
                for j in range {
                    let (info, target) = jobs[j]
                    file.dequantize(info, rows: 0..<info.rows, into: target.pointer)
                    let p = target.pointer
                    for i in 0..<target.count where !p[i].isFinite {
                        bad[j] = i
                        break
                    }
                }
            }
        }
        for j in 0..<jobs.count where bad[j] >= 0 {
            throw PretrainedLLMError(file: path, item: jobs[j].0.name,
                                     reason: "element \(bad[j]) is \(jobs[j].1.pointer[bad[j]]) (weights must be finite)")
        }
    }
}
