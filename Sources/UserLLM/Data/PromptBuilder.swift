import Timelines

/// Task prompts as token ids (MODEL_PLAN "Prompts"):
///
///   tp:     <|bos|> {TP text: window + question} <|answer|> {answer} <|eos|>
///   soft:   [user embeddings as prefix] <|bos|> <|user|> {marker} {question} <|answer|> {answer} <|eos|>
///   xattn:  <|bos|> <|user|> {marker} {question} <|answer|> {answer} <|eos|>
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

    public init(tokenizer: BPETokenizer, builder: ExampleBuilder, mode: FusionMode,
                templates: PromptTemplates = .defaults, maxAnswerTokens: Int = 48, maxTokens: Int) {
        self.tokenizer = tokenizer
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
        for s in SpecialToken.allCases {
            guard let id = tokenizer.id(of: s) else { preconditionFailure("tokenizer lacks special token \(s.rawValue)") }
            ids[s] = id
        }
        special = ids
    }

    public func id(_ token: SpecialToken) -> Int32 { special[token]! }

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

    /// The prompt's token ids up to and including <|answer|>: what generation starts from.
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
                let ids = [id(.bos)] + tokenizer.encode(text, allowSpecial: false) + [id(.answer)]
                let remaining = window.endIndex - start
                if ids.count <= budget || remaining == 0 { return ids }
                // Drop about as many events as the excess needs (at least one).
                let perEvent = max(1, ids.count / max(1, remaining))
                start += min(remaining, max(1, (ids.count - budget + perEvent - 1) / perEvent))
            }
        case .soft, .xattn:
            return [id(.bos), id(.user), id(Self.marker(example.task))]
                + tokenizer.encode(questionText(example), allowSpecial: false) + [id(.answer)]
        }
    }

    /// The answer's tokens followed by <|eos|> (reviews cut to `maxAnswerTokens`) — also the
    /// sequences of the constrained-decoding trie.
    public func answerTokens(_ answer: String, task: TaskKind) -> [Int32] {
        var ids = tokenizer.encode(answer, allowSpecial: false)
        if task == .review && ids.count > maxAnswerTokens { ids = Array(ids.prefix(maxAnswerTokens)) }
        return ids + [id(.eos)]
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
        return TokenBatch(sequences: seqs.map(\.tokens), lossMasks: seqs.map(\.lossMask), pad: id(.pad))
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
