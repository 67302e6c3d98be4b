import Foundation

/// Where datasets and runs live: `$USERLLM_HOME` (default
/// `${XDG_CACHE_HOME:-~/.cache}/userllm`) `/datasets/<name>/`; runs: `RunDirectory.defaultURL`.
enum DatasetLocator {
    /// Short names accepted by `--dataset` and the folder each means.
    static let aliases: [String: String] = [
        "movielens": "movielens-100k",
        "ml-100k": "movielens-100k",
    ]

    static var home: URL {
        let env = ProcessInfo.processInfo.environment
        if let h = env["USERLLM_HOME"], !h.isEmpty { return URL(fileURLWithPath: h) }
        let cache = env["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (NSHomeDirectory() as NSString).appendingPathComponent(".cache")
        return URL(fileURLWithPath: cache).appendingPathComponent("userllm")
    }

    static func canonicalName(_ name: String) -> String { aliases[name.lowercased()] ?? name }

    /// The dataset folder: `--data-dir` when given, else under `$USERLLM_HOME/datasets/`.
    static func directory(for name: String, dataDir: String?) -> URL {
        if let d = dataDir { return URL(fileURLWithPath: d) }
        return home.appendingPathComponent("datasets").appendingPathComponent(canonicalName(name))
    }
}
