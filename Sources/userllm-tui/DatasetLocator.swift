import Foundation
import Timelines

/// The explorer's dataset folder; names and the cache folder come from
/// `DatasetLocation` (shared with every `userllm` command).
enum DatasetLocator {
    static func canonicalName(_ name: String) -> String { DatasetLocation.canonicalName(name) }

    /// The dataset folder: `--data-dir` when given, else under `$USERLLM_HOME/datasets/`.
    static func directory(for name: String, dataDir: String?) -> URL {
        if let d = dataDir { return URL(fileURLWithPath: d) }
        return DatasetLocation.directory(for: name)
    }
}
