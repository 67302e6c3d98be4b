import ArgumentParser
import UserLLM

/// What `bench inference` and `bench train` both measure: which weights, which data, and
/// the grid of history lengths × fusion modes.
struct BenchCostOptions: ParsableArguments {
    @Option(name: .customLong("run"), help: "A trained run directory (its weights, tokenizer and dataset).")
    var runDirectory: String?
    @Option(help: "Preset for untrained weights when no --run is given: tiny, small, base, smol or a JSON file.")
    var preset = "small"
    @Option(help: "LLM backbone without --run: a pretrained model such as smollm2-135m (its real weights; preset smol), or scratch.")
    var llm: String?
    @Option(help: "Dataset (without --run).")
    var dataset = "movielens-latest-small"
    @Option(help: "Folder holding the datasets (default: $USERLLM_TEST_DATA, else the usual data folder).")
    var dataDir: String?
    @Option(help: "History lengths in events, comma-separated.")
    var lengths = "50,100,200,500"
    @Option(help: "Modes, comma-separated: tp, soft, soft+perceiver, xattn, xattn+perceiver.")
    var modes = "tp,soft,soft+perceiver,xattn,xattn+perceiver"

    func validate() throws {
        _ = try CostVariants.parse(modes)
        _ = try CostVariants.parseLengths(lengths)
    }

    /// The parsed grid: history lengths and mode names.
    func grid() throws -> (lengths: [Int], variants: [String]) {
        (try CostVariants.parseLengths(lengths), try CostVariants.parse(modes).map(CostVariants.name))
    }

    /// The model and data to measure, sized for the longest history.
    func workbench(maxEvents: Int) throws -> CostWorkbench {
        let name = llm.map { $0 == "scratch" ? preset : "smol" } ?? preset
        if let llm, llm != "scratch", PretrainedModel.named(llm) == nil {
            throw ValidationError("unknown --llm '\(llm)': scratch or \(PretrainedModel.known.map(\.name).joined(separator: ", "))")
        }
        return try BenchWorkbench.open(run: runDirectory, preset: name, dataset: dataset, dataDir: dataDir, maxEvents: maxEvents)
    }
}
