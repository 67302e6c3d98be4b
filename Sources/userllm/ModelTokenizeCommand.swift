import ArgumentParser
import Foundation
import NN
import Timelines
import UserLLM

/// `userllm model tokenize [--model NAME | --file PATH] [--json] [--chat] TEXT`
struct ModelTokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Print the token ids and pieces of TEXT under a GGUF model's tokenizer.",
        discussion: """
        Control tokens written in TEXT (<|im_start|>, <|im_end|>, ...) are parsed as tokens unless \
        --no-parse-special. With --chat, TEXT is a user message rendered by the file's chat template \
        (its default system message unless --system, and the assistant generation prompt); the \
        message itself is never parsed for control tokens. The ids are llama.cpp's on the same file.
        """
    )

    @Option(help: "A fetched model's name (default: \(PretrainedModel.known[0].name)).")
    var model: String?

    @Option(help: "Any GGUF file with a gpt2 (byte-level BPE) tokenizer (instead of --model).")
    var file: String?

    @Flag(help: "Print one JSON object (ids, pieces, timings) instead of a table.")
    var json = false

    @Flag(help: "Render TEXT as a user message with the file's chat template.")
    var chat = false

    @Option(help: "With --chat: a system message instead of the template's default one.")
    var system: String?

    @Flag(help: "Treat control-token text in TEXT as ordinary text.")
    var noParseSpecial = false

    @Argument(help: "The text to tokenize.")
    var text: String

    func validate() throws {
        if model != nil && file != nil { throw ValidationError("give --model or --file, not both") }
        if system != nil && !chat { throw ValidationError("--system needs --chat") }
    }

    func run() throws {
        let url: URL
        do { url = try ModelLocation.resolve(model: model, file: file) } catch let e as ModelLocation.NotFound {
            FileHandle.standardError.write(Data((e.description + "\n").utf8))
            throw ExitCode(2)
        }
        let t0 = Date()
        let tokenizer: GGUFTokenizer
        let openSeconds: Double
        do {
            let gguf = try GGUFFile(url: url, requireSupportedTypes: false)
            openSeconds = Date().timeIntervalSince(t0)
            tokenizer = try GGUFTokenizer(file: gguf)
        } catch let e as GGUFError {
            FileHandle.standardError.write(Data((e.description + "\n").utf8))
            throw ExitCode(1)
        } catch let e as TokenizerError {
            FileHandle.standardError.write(Data((e.description + "\n").utf8))
            throw ExitCode(1)
        }
        let buildSeconds = Date().timeIntervalSince(t0) - openSeconds

        let rendered: String
        let ids: [Int32]
        let e0 = Date()
        if chat {
            var messages: [ChatMessage] = []
            if let system { messages.append(.system(system)) }
            messages.append(.user(text))
            do {
                rendered = try tokenizer.chatTemplate().render(messages)
                ids = try tokenizer.encodeChat(messages)
            } catch let e as TokenizerError {
                FileHandle.standardError.write(Data((e.description + "\n").utf8))
                throw ExitCode(1)
            }
        } else {
            rendered = text
            ids = tokenizer.encode(text, parseSpecial: !noParseSpecial)
        }
        let encodeSeconds = Date().timeIntervalSince(e0)
        let bpe = tokenizer.tokenizer

        if json {
            let object: [String: Any] = [
                "file": url.path,
                "text": rendered,
                "chat": chat,
                "parseSpecial": chat || !noParseSpecial,
                "count": ids.count,
                "ids": ids.map(Int.init),
                "pieces": ids.map { bpe.piece($0) },
                "spellings": ids.map { bpe.spelling($0) ?? "" },
                "special": ids.map { bpe.isSpecial($0) },
                "seconds": ["open": openSeconds, "build": buildSeconds, "encode": encodeSeconds],
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
            FileHandle.standardOutput.write(data)
            print("")
            return
        }
        func pad(_ s: String, _ width: Int, right: Bool = false) -> String {
            let fill = String(repeating: " ", count: max(0, width - s.count))
            return right ? fill + s : s + fill
        }
        print("\(pad("#", 5, right: true))  \(pad("id", 6, right: true))  \(pad("spelling", 24))  text")
        for (n, id) in ids.enumerated() {
            let spelling = bpe.spelling(id) ?? "?"
            print("\(pad(String(n), 5, right: true))  \(pad(String(id), 6, right: true))  \(pad(spelling, 24))  \(bpe.piece(id).debugDescription)")
        }
        print(String(format: "%d tokens · file opened in %.0f ms, tokenizer built in %.0f ms, encoded in %.2f ms",
                     ids.count, openSeconds * 1e3, buildSeconds * 1e3, encodeSeconds * 1e3))
    }
}
