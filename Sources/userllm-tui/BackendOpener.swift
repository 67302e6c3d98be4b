import Foundation
import Explorer

/// The one place the explorer gets its model side. The UserLLM engineer replaces the
/// body of `open` with: load the run at `run` for `data`, return an `ExplorerBackend`.
/// Until a trained run can exist, it says so plainly and nothing is computed.
enum BackendOpener {
    static func runner(run: URL?, datasetName: String, data: ExplorerData) -> (TaskRunner, String) {
        let dir = run ?? DatasetLocator.runDirectory(for: datasetName)
        let exists = FileManager.default.fileExists(atPath: dir.path)
        let reason: String
        if run != nil && !exists {
            reason = "No run at \(dir.path). Give --run the folder a `userllm train` run wrote."
        } else if exists {
            reason = "A run folder exists at \(dir.path), but this build cannot open runs yet: the UserLLM model (issues 4 and 5) has not landed. Nothing is computed, so no answers or figures are shown."
        } else {
            reason = "No trained run for \(data.dataset.name) (looked in \(dir.path)). Training from the explorer (the small preset, with a progress screen) arrives with the UserLLM model (issues 4 and 5). Until then nothing is computed, so no answers or figures are shown; browsing works."
        }
        return (TaskRunner(unavailable: reason), exists ? dir.lastPathComponent + " (unopened)" : "none")
    }
}
