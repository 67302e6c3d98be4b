import Timelines

/// Task prompts as token ids (MODEL_PLAN "Prompts"):
///
///   tp:     <|bos|> {TP text: window + question} <|answer|> {answer} <|eos|>
///   soft:   [user embeddings as prefix] <|bos|> <|user|> {marker} {question} <|answer|> {answer} <|eos|>
///   xattn:  <|bos|> <|user|> {marker} {question} <|answer|> {answer} <|eos|>
///
/// With a pretrained backbone (`chat` given) the same texts go through its chat template
/// (ChatML for SmolLM2), and its own end-of-turn token closes the answer:
///
///   tp:     <|im_start|>system\n{system}<|im_end|>\n<|im_start|>user\n{TP text}<|im_end|>\n<|im_start|>assistant\n {answer} <|im_end|>
///   soft:   [user embeddings as prefix] … user\n{question}<|im_end|>\n<|im_start|>assistant\n {answer} <|im_end|>
///   xattn:  … user\n{question}<|im_end|>\n<|im_start|>assistant\n {answer} <|im_end|>
///
/// The loss covers the answer tokens and <|eos|> only. Text is encoded with special tokens
/// off, so a title that happens to contain "<|eos|>" stays text. The question is the TP
/// template's part after `{history}`, so an edited template changes both prompts alike.
public struct PromptBuilder: Sendable {
    public let tokenizer: BPETokenizer
    public let builder: ExampleBuilder
    public let mode: FusionMode
    /// Review answers are cut to this many tokens (before <|eos|>).
    public let maxAnswerTokens: Int
    /// Longest prompt + answer; a TP history that would not fit loses its oldest events.
    public let maxTokens: Int
    private let tpRenderer: PromptRenderer
    private let questionRenderer: PromptRenderer
    private let special: [SpecialToken: Int32]
    /// A pretrained backbone's chat template; nil for userllm's own tokenizers.
    public let chat: ChatTemplate?
    /// Closes every answer and stops generation: <|eos|>, or the backbone's end of turn.
    public let endOfAnswer: Int32
    /// Fills batches (masked out of the loss).
    public let padding: Int32

    /// The system message of chat prompts: short (every token of it is paid on every
    /// example) and saying that the answer is a bare title, genre or review.
    public static let systemMessage = "You are a recommender system. Answer with the answer only."

    public init(tokenizer: BPETokenizer, builder: ExampleBuilder, mode: FusionMode,
                templates: PromptTemplates = .defaults, maxAnswerTokens: Int = 48, maxTokens: Int,
                chat: ChatTemplate? = nil) {
        self.tokenizer = tokenizer
        self.chat = chat
        self.builder = builder
        self.mode = mode
        self.maxAnswerTokens = maxAnswerTokens
        self.maxTokens = maxTokens
        tpRenderer = PromptRenderer(dataset: builder.dataset, templates: templates)
        var question = templates
        question.nextItem = Self.afterHistory(templates.nextItem)
        question.favoriteGenre = Self.afterHistory(templates.favoriteGenre)
        question.review = Self.afterHistory(templates.review)
        questionRenderer = PromptRenderer(dataset: builder.dataset, templates: question)
        var ids: [SpecialToken: Int32] = [:]
        if chat == nil {
            for s in SpecialToken.allCases {
                guard let id = tokenizer.id(of: s) else { preconditionFailure("tokenizer lacks special token \(s.rawValue)") }
                ids[s] = id
            }
            endOfAnswer = ids[.eos]!
            padding = ids[.pad]!
        } else {
            guard let end = tokenizer.id(ofSpecial: ChatTemplate.end) else {
                preconditionFailure("a chat tokenizer without \(ChatTemplate.end)")
            }
            endOfAnswer = end
            padding = tokenizer.roles.pad ?? end
        }
        special = ids
    }

    /// userllm's own special tokens (not in a backbone's vocabulary: use `endOfAnswer`).
    public func id(_ token: SpecialToken) -> Int32 {
        guard let id = special[token] else { preconditionFailure("\(token.rawValue) is not in a backbone's vocabulary") }
        return id
    }

    public static func marker(_ task: TaskKind) -> SpecialToken {
        switch task {
        case .nextItem: return .nextItem
        case .favoriteGenre: return .favoriteGenre
        case .review: return .review
        }
    }

    /// The question text of `example` without the history (soft / xattn prompts).
    public func questionText(_ example: Example) -> String {
        questionRenderer.render(task: example.task, window: [Int32](), target: builder.targetEvent(example))
    }

    /// The prompt's token ids up to and including <|answer|> (or the assistant turn's
    /// opening): what generation starts from.
    /// For TP the window keeps its most recent events that fit in `maxTokens` with room for
    /// the answer.
    public func promptTokens(_ example: Example) -> [Int32] {
        switch mode {
        case .tp:
            let window = builder.windowEvents(example)
            let target = builder.targetEvent(example)
            let budget = maxTokens - answerBudget(example.task)
            var start = window.startIndex
            while true {
                let text = tpRenderer.render(task: example.task, window: window[start...], target: target)
                let ids = chat.map { chatPrompt(text, $0) }
                    ?? [id(.bos)] + tokenizer.encode(text, allowSpecial: false) + [id(.answer)]
                let remaining = window.endIndex - start
                if ids.count <= budget || remaining == 0 { return ids }
                // Drop about as many events as the excess needs (at least one).
                let perEvent = max(1, ids.count / max(1, remaining))
                start += min(remaining, max(1, (ids.count - budget + perEvent - 1) / perEvent))
            }
        case .soft, .xattn:
            if let chat { return chatPrompt(questionText(example), chat) }
            return [id(.bos), id(.user), id(Self.marker(example.task))]
                + tokenizer.encode(questionText(example), allowSpecial: false) + [id(.answer)]
        }
    }

    /// The answer's tokens followed by <|eos|> (reviews cut to `maxAnswerTokens`) — also the
    /// sequences of the constrained-decoding trie.
    public func answerTokens(_ answer: String, task: TaskKind) -> [Int32] {
        var ids = tokenizer.encode(answer, allowSpecial: false)
        if task == .review && ids.count > maxAnswerTokens { ids = Array(ids.prefix(maxAnswerTokens)) }
        return ids + [endOfAnswer]
    }

    /// A one-question conversation in the chat template, up to the assistant's turn. The
    /// template's trailing "Answer:" line is dropped: the assistant turn is the answer.
    private func chatPrompt(_ text: String, _ chat: ChatTemplate) -> [Int32] {
        var question = Substring(text)
        while question.last?.isWhitespace == true { question = question.dropLast() }
        if question.hasSuffix("Answer:") { question = question.dropLast("Answer:".count) }
        while question.last?.isWhitespace == true { question = question.dropLast() }
        return chat.encode([ChatMessage(role: "system", content: Self.systemMessage),
                            ChatMessage(role: "user", content: String(question))], with: tokenizer)
    }

    /// Prompt + answer with the loss mask (true on the answer tokens and <|eos|>).
    public func trainingSequence(_ example: Example) -> (tokens: [Int32], lossMask: [Bool]) {
        let prompt = promptTokens(example)
        let answer = answerTokens(example.answer, task: example.task)
        return (prompt + answer, Array(repeating: false, count: prompt.count) + Array(repeating: true, count: answer.count))
    }

    /// A padded training batch of `examples`.
    public func batch(_ examples: [Example]) -> TokenBatch {
        let seqs = examples.map(trainingSequence)
        return TokenBatch(sequences: seqs.map(\.tokens), lossMasks: seqs.map(\.lossMask), pad: padding)
    }

    /// Room kept for the answer: the longest one a task can have, plus <|eos|>.
    private func answerBudget(_ task: TaskKind) -> Int {
        task == .review ? maxAnswerTokens + 1 : 40
    }

    /// The template's text after the `{history}` line.
    static func afterHistory(_ template: String) -> String {
        guard let r = template.range(of: "{history}") else { return template }
        var rest = template[r.upperBound...]
        if rest.first == "\n" { rest = rest.dropFirst() }
        return String(rest)
    }
}
