import Foundation

/// Where userllm keeps datasets, runs and models: `$USERLLM_HOME`, else
/// `$XDG_CACHE_HOME/userllm`, else `$HOME/.cache/userllm` — the order every tool of this
/// kind follows, so a shell that sets HOME or XDG_CACHE_HOME elsewhere is obeyed. The one
/// place that decides it: every command and the explorer go through `home`.
public enum DatasetLocation {
    /// The folder for this process's environment.
    public static var home: URL { home(environment: ProcessInfo.processInfo.environment) }

    /// The folder for `environment` (tests pass a fake one). `HOME` is read from the
    /// environment, not the account database: Foundation's `homeDirectoryForCurrentUser`
    /// may answer from the passwd entry and ignore a HOME the user set. Relative
    /// XDG_CACHE_HOME values are ignored, as the XDG spec says.
    public static func home(environment env: [String: String]) -> URL {
        if let h = env["USERLLM_HOME"], !h.isEmpty { return URL(fileURLWithPath: h).standardizedFileURL }
        if let x = env["XDG_CACHE_HOME"], x.hasPrefix("/") {
            return URL(fileURLWithPath: x).appendingPathComponent("userllm").standardizedFileURL
        }
        let userHome = env["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? accountHome()
        return URL(fileURLWithPath: userHome).appendingPathComponent(".cache/userllm").standardizedFileURL
    }

    /// Short names and the folder each means (`userllm data fetch movielens` and
    /// `userllm-tui --dataset movielens` must agree on one folder).
    public static let aliases: [String: String] = [
        "movielens": "movielens-100k",
        "ml-100k": "movielens-100k",
    ]

    public static func canonicalName(_ name: String) -> String { aliases[name.lowercased()] ?? name }

    /// `$USERLLM_HOME/datasets/<canonical name>`; a folder under the name as given is
    /// used when only it exists (fetched there by an older version).
    public static func directory(for name: String, home: URL = DatasetLocation.home) -> URL {
        let datasets = home.appendingPathComponent("datasets")
        let canonical = datasets.appendingPathComponent(canonicalName(name))
        let given = datasets.appendingPathComponent(name)
        if given != canonical && !FileManager.default.fileExists(atPath: canonical.path) && FileManager.default.fileExists(atPath: given.path) {
            return given
        }
        return canonical
    }

    /// A `--help` line naming the resolved folder and how it was chosen.
    public static var helpLine: String {
        "Cache folder (datasets, runs, models): \(home.path)  ($USERLLM_HOME, else $XDG_CACHE_HOME/userllm, else $HOME/.cache/userllm)"
    }

    /// The passwd entry's home: only when HOME is unset (cron, `env -i`).
    private static func accountHome() -> String {
        if let pw = getpwuid(getuid()), let dir = pw.pointee.pw_dir { return String(cString: dir) }
        return NSTemporaryDirectory()
    }
}
