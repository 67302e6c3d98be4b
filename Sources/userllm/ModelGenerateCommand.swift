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
        The weights are dequantised to f32. Greedy at --temperature 0 (the default); otherwise
        sampling from the tempered distribution with --seed. Stops at <|im_end|> (end of turn) or
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
        let llm = try PretrainedLLM(file: gguf)
        let tokenizer = try PretrainedTokenizer.load(gguf)
        let loadSeconds = Date().timeIntervalSince(clock)

        let ids: [Int32]
        if chat {
            var messages: [ChatMessage] = []
            if let system { messages.append(.system(system)) }
            messages.append(.user(prompt))
            ids = tokenizer.encode(parts: try PretrainedTokenizer.chatTemplate(gguf).parts(messages))
        } else {
            ids = tokenizer.encode(prompt, allowSpecial: false)
        }
        guard !ids.isEmpty else { throw ValidationError("the prompt is empty") }
        if showIds { FileHandle.standardError.write(Data("prompt ids: \(ids.map(String.init).joined(separator: " "))\n".utf8)) }
        let capacity = ids.count + maxTokens + 1
        guard capacity <= llm.config.contextLength else {
            throw ValidationError("prompt (\(ids.count) tokens) + --max-tokens \(maxTokens) exceed the context of \(llm.config.contextLength)")
        }

        var stops: Set<Int32> = []
        for name in ["<|im_end|>", "<|endoftext|>"] { if let id = tokenizer.id(ofSpecial: name) { stops.insert(id) } }
        if let eos = gguf.metadata["tokenizer.ggml.eos_token_id"]?.int { stops.insert(Int32(eos)) }

        let generator = Generator(model: llm.model)
        // Byte-level tokens may end inside a UTF-8 character: print what decodes whole.
        var stream = TokenStreamDecoder(tokenizer: tokenizer, skipSpecial: true)
        let out = FileHandle.standardOutput
        generator.onToken = { token in
            let text = stream.append(token)
            if !text.isEmpty { out.write(Data(text.utf8)) }
        }
        if !chat { out.write(Data(prompt.utf8)) }
        clock = Date()
        let result = generator.sample(GenerationPrompt(tokens: ids), maxNewTokens: maxTokens, stopTokens: stops,
                                      config: SamplingConfig(temperature: temperature, seed: seed))
        out.write(Data(stream.finish().utf8))
        out.write(Data("\n".utf8))
        let stats = generator.lastStats
        let report = String(format: "[%@: loaded in %.2f s; prompt %d tokens in %.3f s (%.1f tok/s); %d tokens in %.3f s (%.1f tok/s)%@; %d thread%@]\n",
                            url.lastPathComponent, loadSeconds, ids.count, stats.prefillSeconds,
                            Double(ids.count) / max(stats.prefillSeconds, 1e-9), result.tokens.count,
                            stats.decodeSeconds, Double(stats.steps) / max(stats.decodeSeconds, 1e-9),
                            result.finished ? ", stopped at end of turn" : "", threads ?? Parallel.cores,
                            (threads ?? Parallel.cores) == 1 ? "" : "s")
        FileHandle.standardError.write(Data(report.utf8))
    }
}
