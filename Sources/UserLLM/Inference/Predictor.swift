import Foundation
import NN
import Tensor
import Timelines

/// Answers task examples with a trained model, as evaluation, `userllm generate` and the
/// explorer need: the user's history through the encoder once, the prompt through the LLM
/// once, then constrained beam search (next-item over the catalogue, history masked;
/// favourite-genre over the categories) or free decoding (review). Timed and FLOP-counted.
///
/// Holds a `Generator` (decoder buffers reused from one example to the next): one
/// Predictor per thread.
public final class Predictor {
    public let trained: TrainedModel
    public let generator: Generator
    /// Dataset items' names (item index → trie answer index).
    public let itemNames: [String]
    /// Distinct category names, sorted (genre answer index → name).
    public let categoryNames: [String]
    public let itemTrie: AnswerTrie
    public let categoryTrie: AnswerTrie
    private let itemsByName: [String: [Int32]]

    public init(trained: TrainedModel) {
        self.trained = trained
        generator = Generator(model: trained.languageModel)
        let dataset = trained.context.dataset
        itemNames = dataset.items.map(\.name)
        categoryNames = Array(Set(dataset.items.flatMap(\.categories))).sorted()
        itemTrie = AnswerTrie(sequences: itemNames.map { trained.answerTokens($0, task: .nextItem) })
        categoryTrie = AnswerTrie(sequences: categoryNames.map { trained.answerTokens($0, task: .favoriteGenre) })
        var byName: [String: [Int32]] = [:]
        for (i, name) in itemNames.enumerated() { byName[name, default: []].append(Int32(i)) }
        itemsByName = byName
    }

    public var builder: ExampleBuilder { trained.context.builder }

    /// The next-item mask (DESIGN §5): every item rated before the target, except items
    /// named like the target (duplicate titles share one trie node; hits compare names).
    public func historyMask(_ example: Example) -> AnswerTrie.AnswerMask {
        var excluded = builder.itemsRatedBefore(example)
        for same in itemsByName[example.answer] ?? [] { excluded.remove(same) }
        return AnswerTrie.AnswerMask(trie: itemTrie, excluding: excluded)
    }

    /// The prompt of `example` as the model's fusion mode builds it, with the encoding cost.
    public func prompt(_ example: Example) -> (prompt: GenerationPrompt, stats: PredictionStats) {
        var stats = PredictionStats()
        var clock = Stopwatch()
        var prompt = GenerationPrompt(tokens: trained.promptTokens(example))
        if trained.choice.mode.usesEncoder {
            let events = EventBatch(examples: [example], builder: builder, features: trained.context.features)
            let context = Autograd.noGrad { trained.model.userContext(events) }
            stats.windowEvents = events.lengths[0]
            stats.encoderFLOPs = FLOPs.userContext(trained.model.config, events: events.length,
                                                   categoriesPerEvent: events.maxCategories)
            if let context {
                prompt.prefix = context.prefix
                prompt.prefixLength = context.prefixLengths?.first
                prompt.user = context.user
                prompt.userLength = context.userLengths?.first
            }
        }
        stats.encodeSeconds = clock.lap()
        return (prompt, stats)
    }

    public func predict(_ example: Example, options: PredictionOptions = PredictionOptions()) -> Prediction {
        var (prompt, stats) = self.prompt(example)
        let tokenizer = trained.tokenizer
        let eos = trained.prompts.endOfAnswer
        let beams = options.beams ?? PredictionOptions.defaultBeams(example.task)
        var answers: [Prediction.Answer] = []
        let closed = example.task != .review
        if let sampling = options.sampling {
            let out = generator.sample(prompt, maxNewTokens: maxNewTokens(example.task, options), stopTokens: [eos],
                                       config: sampling)
            answers = [Prediction.Answer(text: tokenizer.decode(out.tokens, skipSpecial: true), logProb: out.logProb,
                                         score: out.score, tokens: out.tokens.count)]
        } else if closed {
            let nextItem = example.task == .nextItem
            let ranked = generator.constrainedBeamSearch(prompt, trie: nextItem ? itemTrie : categoryTrie,
                                                         mask: nextItem ? historyMask(example) : nil,
                                                         config: BeamSearchConfig(beams: beams))
            let names = nextItem ? itemNames : categoryNames
            answers = ranked.map {
                Prediction.Answer(text: names[Int($0.answers[0])], logProb: $0.logProb, score: $0.score, tokens: $0.tokens.count)
            }
        } else {
            let outs = beams > 1
                ? generator.beamSearch(prompt, maxNewTokens: maxNewTokens(example.task, options), stopTokens: [eos],
                                       config: BeamSearchConfig(beams: beams))
                : [generator.greedy(prompt, maxNewTokens: maxNewTokens(example.task, options), stopTokens: [eos])]
            answers = outs.map {
                Prediction.Answer(text: tokenizer.decode($0.tokens, skipSpecial: true), logProb: $0.logProb,
                                  score: $0.score, tokens: $0.tokens.count)
            }
        }
        let g = generator.lastStats
        stats.promptTokens = g.promptTokens
        stats.prefixRows = g.prefixRows
        stats.userRows = g.userRows
        stats.beams = g.rows
        stats.decodeSteps = g.steps
        stats.decodeRows = g.rowSteps
        stats.decodePasses = g.passes
        stats.generatedTokens = g.generatedTokens
        stats.prefillSeconds = g.prefillSeconds
        stats.decodeSeconds = g.decodeSeconds
        stats.decoderFLOPs = g.flops
        let rank = closed ? answers.firstIndex { $0.text == example.answer } : nil
        return Prediction(example: example, answers: answers, targetRank: rank, stats: stats)
    }

    /// The reference a review answer is scored against: the answer as trained (cut to the
    /// run's maxAnswerTokens), decoded back to text.
    public func reviewReference(_ example: Example) -> String {
        trained.tokenizer.decode(Array(trained.answerTokens(example.answer, task: .review).dropLast()), skipSpecial: true)
    }

    private func maxNewTokens(_ task: TaskKind, _ options: PredictionOptions) -> Int {
        options.maxNewTokens ?? (task == .review ? trained.prompts.maxAnswerTokens : 40)
    }
}
