/// The ChatML chat template of a model file (`tokenizer.chat_template`), rendered from its
/// fixed structure rather than by a Jinja engine:
///
///     [<|im_start|>system\n{default system message}<|im_end|>\n]   when the first message is not a system one
///     <|im_start|>{role}\n{content}<|im_end|>\n                      per message
///     <|im_start|>assistant\n                                        the generation prompt
///
/// `init(jinja:)` accepts a template only if it has that shape, and reads the default
/// system message out of it; anything else is a `TokenizerError` saying what is missing.
/// `parts(_:)` keeps the markup apart from what people wrote, so that
/// `BPETokenizer.encode(parts:)` matches `<|im_end|>` in the markup but not in a title or
/// review someone typed (no prompt injection through the data).
public struct ChatTemplate: Equatable, Sendable {
    /// Inserted as the first message when a conversation does not start with a system message;
    /// nil when the template inserts none.
    public var defaultSystemMessage: String?

    public static let start = "<|im_start|>"
    public static let end = "<|im_end|>"

    public init(defaultSystemMessage: String?) {
        self.defaultSystemMessage = defaultSystemMessage
    }

    /// Checks that `jinja` is the ChatML template this type renders and reads its default
    /// system message. `source` names the file in errors.
    public init(jinja: String, source: String = "<memory>") throws {
        func fail(_ reason: String) -> TokenizerError {
            TokenizerError(file: source, key: "tokenizer.chat_template", reason: reason)
        }
        // Jinja string literals may spell a newline as a real one or as the escape \n.
        let text = jinja.replacingOccurrences(of: "\\n", with: "\n")
        let compact = String(text.unicodeScalars.filter { $0 != " " }.map(Character.init))
        let required: [(String, String)] = [
            (Self.start, "the ChatML start marker <|im_start|>"),
            (Self.end, "the ChatML end marker <|im_end|>"),
            ("'<|im_start|>'+message['role']+'\n'+message['content']+'<|im_end|>'+'\n'",
             "the per-message line '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'"),
            ("{%ifadd_generation_prompt%}{{'<|im_start|>assistant\n'}}{%endif%}",
             "the generation prompt '<|im_start|>assistant\\n' under add_generation_prompt"),
        ]
        for (needle, what) in required where !compact.contains(needle) {
            throw fail("not the ChatML template this reader renders: \(what) is missing")
        }
        // The default system message: `{% if loop.first and messages[0]['role'] != 'system' %}`
        // followed by a literal '<|im_start|>system\n...<|im_end|>\n'.
        guard compact.contains("messages[0]['role']!='system'"),
              let condition = text.range(of: "messages[0]['role']") else {
            defaultSystemMessage = nil
            return
        }
        let marker = "\(Self.start)system\n"
        guard let open = text.range(of: marker, range: condition.upperBound..<text.endIndex),
              let close = text.range(of: Self.end, range: open.upperBound..<text.endIndex) else {
            throw fail("the template inserts a default system message, but its text '<|im_start|>system\\n...<|im_end|>' was not found")
        }
        defaultSystemMessage = String(text[open.upperBound..<close.lowerBound])
    }

    /// The prompt text, exactly as the template renders it.
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool = true) -> String {
        parts(messages, addGenerationPrompt: addGenerationPrompt).map(\.text).joined()
    }

    /// The rendered prompt as parts: the template's markup (special tokens parsed) and the
    /// messages' contents (special tokens not parsed), for `BPETokenizer.encode(parts:)`.
    public func parts(_ messages: [ChatMessage], addGenerationPrompt: Bool = true) -> [(text: String, parseSpecial: Bool)] {
        var out: [(text: String, parseSpecial: Bool)] = []
        // Inside the template's loop (`loop.first`): no messages, no default system message.
        if let system = defaultSystemMessage, let first = messages.first, first.role != "system" {
            out.append(("\(Self.start)system\n", true))
            out.append((system, false))
            out.append(("\(Self.end)\n", true))
        }
        for m in messages {
            out.append(("\(Self.start)\(m.role)\n", true))
            out.append((m.content, false))
            out.append(("\(Self.end)\n", true))
        }
        if addGenerationPrompt { out.append(("\(Self.start)assistant\n", true)) }
        return out
    }

    /// Token ids of the conversation; see `parts(_:)`.
    public func encode(_ messages: [ChatMessage], with tokenizer: BPETokenizer, addGenerationPrompt: Bool = true) -> [Int32] {
        tokenizer.encode(parts: parts(messages, addGenerationPrompt: addGenerationPrompt))
    }
}
