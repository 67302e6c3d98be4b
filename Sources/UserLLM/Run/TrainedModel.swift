import Tensor
import Timelines

/// A finetuned model with what inference needs beside it. For an example:
///
///   let prompt = trained.promptTokens(example)            // ends with <|answer|>
///   let ctx = trained.userContext([example])              // nil for tp
///   let lm = trained.languageModel
///   let state = lm.makeDecodeState(batch: 1, user: ctx?.user, userLengths: ctx?.userLengths)
///   let logits = lm.decode(tokens: prompt, prefix: ctx?.prefix, prefixLengths: ctx?.prefixLengths, state: state)
public final class TrainedModel {
    public let choice: ModelChoice
    public let model: UserLLMModel
    public let prompts: PromptBuilder
    public let context: RunContext
    /// The arithmetic its answers run in (`InferencePrecision.standard` unless set).
    public private(set) var precision = InferencePrecision.f32

    init(choice: ModelChoice, model: UserLLMModel, prompts: PromptBuilder, context: RunContext,
         precision: InferencePrecision = .standard) {
        self.choice = choice
        self.model = model
        self.prompts = prompts
        self.context = context
        answer(in: precision)
    }

    /// From now on the LLM answers in `precision` (tile precisions pack its weights once;
    /// f32 drops the packed copies). A TrainedModel only answers, so its weights stay put
    /// and asking again for the arithmetic it has does nothing.
    public func answer(in precision: InferencePrecision) {
        let wanted = precision.effective
        guard wanted != self.precision else { return }  // f32, the starting state, has nothing packed
        self.precision = wanted
        model.languageModel.packForInference(wanted.tile)
    }

    public var languageModel: LanguageModel { model.languageModel }
    public var tokenizer: BPETokenizer { prompts.tokenizer }

    /// Prompt token ids up to and including <|answer|>.
    public func promptTokens(_ example: Example) -> [Int32] { prompts.promptTokens(example) }

    /// Answer ids + <|eos|> (trie sequences).
    public func answerTokens(_ answer: String, task: TaskKind) -> [Int32] { prompts.answerTokens(answer, task: task) }

    /// The examples' projected user embeddings, no tape (nil for tp).
    public func userContext(_ examples: [Example]) -> UserContext? {
        guard choice.mode.usesEncoder else { return nil }
        return Autograd.noGrad {
            model.userContext(EventBatch(examples: examples, builder: context.builder, features: context.features))
        }
    }

    /// Full-forward logits (B, T, V) of the examples' prompts + answers (teacher forcing).
    public func logits(_ examples: [Example]) -> Tensor {
        Autograd.noGrad {
            model.logits(prompts.batch(examples), events: choice.mode.usesEncoder
                ? EventBatch(examples: examples, builder: context.builder, features: context.features) : nil)
        }
    }
}
