import ArgumentParser
import Foundation
import NN
import Tensor
import Timelines
import UserLLM

/// `userllm model generate --model smollm2-135m --prompt TEXT [--chat] [--max-tokens N]
/// [--temperature T] [--seed S] [--threads N]`: a pretrained GGUF model continues (or, with
/// --chat, answers) the prompt, the text streamed to stdout as it comes; timings on stderr.
struct ModelGenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Continue a prompt (or answer it as a chat) with a pretrained GGUF model, streaming the text.",
        discussion: """
        By default the weights stay in their GGML blocks (Q4_1/Q8_0, read from the mapped file:
        the fast path, ~150 MB resident); --f32 dequantises them into the engine's LanguageModel \
        (the model that trains; ~700 MB). Both agree to float rounding (tested). Greedy at --temperature 0 (the default); otherwise \
        sampling from the tempered distribution with --seed. Stops at <|im_end|> (end of turn) or \
        the file's eos, or after --max-tokens. Load time, prompt and decode tokens/s go to stderr.
        """
    )

    @Option(help: "Model name in the cache (see `userllm model fetch`).")
    var model: String = "smollm2-135m"

    @Option(help: "A GGUF file to use instead of the cached model.")
    var file: String?

    @Option(help: "The text to continue (with --chat: the user's message).")
    var prompt: String

    @Flag(help: "Render the prompt as a ChatML conversation (the file's template) and answer it.")
    var chat = false

    @Option(help: "With --chat: the system message (default: the template's own).")
    var system: String?

    @Option(help: "Most new tokens.")
    var maxTokens: Int = 128

    @Option(help: "Sampling temperature; 0 is greedy.")
    var temperature: Float = 0

    @Option(help: "Sampling seed.")
    var seed: UInt64 = 0

    @Option(help: "Threads (cores) to use; default all.")
    var threads: Int?

    @Flag(help: "Run the engine's f32 LanguageModel (dequantised weights) instead of the quantised path.")
    var f32 = false

    @Flag(help: "Print the prompt's token ids to stderr.")
    var showIds = false

    func validate() throws {
        if maxTokens < 1 { throw ValidationError("--max-tokens must be at least 1") }
        if temperature < 0 || !temperature.isFinite { throw ValidationError("--temperature must be ≥ 0") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func run() throws {
        if let threads { BenchAffinity.restrict(to: threads) }
        try Parallel.withBLASThreads(threads ?? Parallel.cores) { try generate() }
    }

    private func generate() throws {
        let url = try ModelLocation.resolve(model: model, file: file)
        var clock = Date()
        let gguf = try GGUFFile(url: url)
        let llm: PretrainedLLM? = f32 ? try PretrainedLLM(file: gguf) : nil
        let quantized: QuantizedLlama? = f32 ? nil : try QuantizedLlama(file: gguf)
        let contextLength = try llm.map { $0.config.contextLength } ?? gguf.requireInt("llama.context_length")
        let ggufTokenizer = try GGUFTokenizer(file: gguf)
        let tokenizer = ggufTokenizer.tokenizer
        let loadSeconds = Date().timeIntervalSince(clock)

        let ids: [Int32]
        if chat {
            var messages: [ChatMessage] = []
            if let system { messages.append(.system(system)) }
            messages.append(.user(prompt))
            ids = try ggufTokenizer.encodeChat(messages)
        } else {
            ids = ggufTokenizer.encode(prompt, parseSpecial: false)
        }
        guard !ids.isEmpty else { throw ValidationError("the prompt is empty") }
        if showIds { FileHandle.standardError.write(Data("prompt ids: \(ids.map(String.init).joined(separator: " "))\n".utf8)) }
        let capacity = ids.count + maxTokens + 1
        guard capacity <= contextLength else {
            throw ValidationError("prompt (\(ids.count) tokens) + --max-tokens \(maxTokens) exceed the context of \(contextLength)")
        }

        var stops: Set<Int32> = []
        for name in ["<|im_end|>", "<|endoftext|>"] { if let id = tokenizer.id(ofSpecial: name) { stops.insert(id) } }
        if let eos = gguf.metadata["tokenizer.ggml.eos_token_id"]?.int { stops.insert(Int32(eos)) }

        // Byte-level tokens may end inside a UTF-8 character: print what decodes whole.
        var stream = TokenStreamDecoder(tokenizer: tokenizer, skipSpecial: true)
        let out = FileHandle.standardOutput
        let onToken: (Int32) -> Void = { token in
            let text = stream.append(token)
            if !text.isEmpty { out.write(Data(text.utf8)) }
        }
        if !chat { out.write(Data(prompt.utf8)) }
        clock = Date()
        let result: (tokens: [Int32], finished: Bool)
        let stats: (prefillSeconds: Double, decodeSeconds: Double, steps: Int)
        if let quantized {
            (result, stats) = Self.sampleQuantized(quantized, prompt: ids, maxTokens: maxTokens, stops: stops,
                                                   temperature: temperature, seed: seed, threads: threads ?? Parallel.cores,
                                                   onToken: onToken)
        } else {
            let generator = Generator(model: llm!.model)
            generator.onToken = onToken
            let sampled = generator.sample(GenerationPrompt(tokens: ids), maxNewTokens: maxTokens, stopTokens: stops,
                                           config: SamplingConfig(temperature: temperature, seed: seed))
            result = (sampled.tokens, sampled.finished)
            let s = generator.lastStats
            stats = (s.prefillSeconds, s.decodeSeconds, s.steps)
        }
        out.write(Data(stream.finish().utf8))
        out.write(Data("\n".utf8))
        let report = String(format: "[%@ (%@): loaded in %.2f s; prompt %d tokens in %.3f s (%.1f tok/s); %d tokens in %.3f s (%.1f tok/s)%@; %d thread%@]\n",
                            url.lastPathComponent, f32 ? "f32" : "quantised", loadSeconds, ids.count, stats.prefillSeconds,
                            Double(ids.count) / max(stats.prefillSeconds, 1e-9), result.tokens.count,
                            stats.decodeSeconds, Double(stats.steps) / max(stats.decodeSeconds, 1e-9),
                            result.finished ? ", stopped at end of turn" : "", threads ?? Parallel.cores,
                            (threads ?? Parallel.cores) == 1 ? "" : "s")
        FileHandle.standardError.write(Data(report.utf8))
    }

    /// Greedy (temperature 0) or tempered sampling on the quantised decoder: one prefill of the
    /// prompt, then one row per step, stopping at a stop token or after `maxTokens`.
    static func sampleQuantized(_ llm: QuantizedLlama, prompt: [Int32], maxTokens: Int, stops: Set<Int32>,
                                temperature: Float, seed: UInt64, threads: Int, onToken: (Int32) -> Void)
        -> (result: (tokens: [Int32], finished: Bool), stats: (prefillSeconds: Double, decodeSeconds: Double, steps: Int)) {
        let vocab = llm.config.vocab
        let logits = UnsafeMutablePointer<Float>.allocate(capacity: vocab)
        defer { logits.deallocate() }
        llm.reset(sequences: 1, capacity: prompt.count + maxTokens + 1)
        var rng = SeededGenerator(seed: seed)
        func pick() -> Int32 {
            var best = 0
            for i in 1..<vocab where logits[i] > logits[best] { best = i }
            guard temperature > 0 else { return Int32(best) }
            var total: Double = 0
            for i in 0..<vocab { total += exp(Double((logits[i] - logits[best]) / temperature)) }
            var u = Double(rng.nextUniform()) * total
            for i in 0..<vocab {
                u -= exp(Double((logits[i] - logits[best]) / temperature))
                if u <= 0 { return Int32(i) }
            }
            return Int32(best)
        }
        var clock = Date()
        llm.forward(tokens: prompt, sequence: Array(repeating: 0, count: prompt.count), position: Array(0..<prompt.count),
                    logitRows: [prompt.count - 1], logits: logits, threads: threads)
        let prefillSeconds = Date().timeIntervalSince(clock)
        clock = Date()
        var tokens: [Int32] = []
        var finished = false
        var steps = 0
        while tokens.count < maxTokens {
            let next = pick()
            if stops.contains(next) { finished = true; break }
            tokens.append(next)
            onToken(next)
            guard tokens.count < maxTokens else { break }
            llm.forward(tokens: [next], sequence: [0], position: [prompt.count + tokens.count - 1], logitRows: [0],
                        logits: logits, threads: threads)
            steps += 1
        }
        return ((tokens, finished), (prefillSeconds, Date().timeIntervalSince(clock), steps))
    }
}
