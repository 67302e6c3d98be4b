import Explorer
import Foundation
import Timelines
import UserLLM
import UserLLMExplorer

/// Finds the run the explorer opens and turns it into a `TaskRunner` over `UserLLMBackend`.
enum BackendOpener {
    /// The built-in presets, in the order an unspecified `--preset` looks for a finished run
    /// (smol, on the pretrained SmolLM2, last: its runs need the model file).
    static let presetPreference = ["small", "base", "tiny", "smol"]

    /// The run to open (or to train on a first run): `--run` when given; else the first
    /// finished `$USERLLM_HOME/runs/<dataset>-<preset>` (the given preset, or small, base,
    /// tiny), the dataset under its given and its canonical name; else where the
    /// requested (default small) preset's run goes.
    static func runURL(explicit: URL?, datasetName: String, preset: String?) -> URL {
        if let e = explicit { return e }
        return finishedRun(datasetName: datasetName, presets: preset.map { [$0] } ?? presetPreference)
            ?? RunDirectory.defaultURL(dataset: DatasetLocator.canonicalName(datasetName), preset: preset ?? "small")
    }

    /// The first finished default run of `presets`, in order, under the dataset's canonical
    /// and its given name.
    static func finishedRun(datasetName: String, presets: [String]) -> URL? {
        let canonical = DatasetLocator.canonicalName(datasetName)
        let names = datasetName == canonical ? [canonical] : [canonical, datasetName]
        for p in presets {
            for n in names {
                let url = RunDirectory.defaultURL(dataset: n, preset: p)
                if BackgroundTrainer.isComplete(url) { return url }
            }
        }
        return nil
    }

    /// What `B` switches between: the finished run at `url` and the dataset's first finished
    /// default run on the other backbone (a from-scratch preset's for a SmolLM2 run, smol's
    /// for a from-scratch one), or the command that trains one. nil when `url` is not a
    /// finished run: there is nothing to switch from.
    static func backboneSwitch(run url: URL, datasetName: String, dataDir: String?, data: ExplorerData) -> BackboneSwitch? {
        guard BackgroundTrainer.isComplete(url), let config = try? RunDirectory(url).readConfig() else { return nil }
        let pretrained = config.preset.backbone != nil
        let presets = presetPreference.filter { ((try? Preset.named($0))?.backbone != nil) != pretrained }
        let dataset = data.dataset
        let opening = { (u: URL) in RunOpening(label: u.lastPathComponent, open: { try UserLLMBackend(run: u, dataset: dataset) }) }
        // `userllm train` reads movielens by default; another dataset (or folder) must be named.
        var args = DatasetLocator.canonicalName(datasetName) == DatasetLocator.canonicalName("movielens") ? "" : " --dataset \(datasetName)"
        if let d = dataDir { args += " --data-dir \(d)" }
        let missing = pretrained
            ? "no from-scratch LLM run for \(dataset.name): userllm train\(args) [--preset tiny]"
            : "no SmolLM2 run for \(dataset.name): userllm train\(args) --llm smollm2-135m"
        return BackboneSwitch(shown: opening(url), other: finishedRun(datasetName: datasetName, presets: presets).map(opening), missing: missing)
    }

    /// A runner over the run at `url` (opened in the background), or one that says why
    /// there is none.
    static func runner(run url: URL, explicit: Bool, data: ExplorerData) -> (TaskRunner, String) {
        if BackgroundTrainer.isComplete(url) {
            let dataset = data.dataset
            return (TaskRunner(opening: { try UserLLMBackend(run: url, dataset: dataset) }), url.lastPathComponent)
        }
        let exists = FileManager.default.fileExists(atPath: url.path)
        let reason: String
        if explicit {
            reason = exists ? "The run at \(url.path) is not finished (no finetuned model, or a stage was interrupted). Run userllm-tui without --snapshot to finish training it, or `userllm train`."
                            : "No run at \(url.path). Give --run the folder a `userllm train` run wrote."
        } else {
            reason = "No trained run for \(data.dataset.name) (looked in \(url.deletingLastPathComponent().path)). Start userllm-tui without --snapshot/--no-train to train one (preset small by default; --preset tiny trains in a minute). Browsing works meanwhile."
        }
        return (TaskRunner(unavailable: reason), exists ? url.lastPathComponent + " (unfinished)" : "none")
    }
}
