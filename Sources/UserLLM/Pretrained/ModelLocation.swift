import Foundation
import Timelines

/// Where pretrained model files live: `<home>/models/<name>/<file>`, the home being the
/// one datasets use (`$USERLLM_HOME`, else `$XDG_CACHE_HOME/userllm`, else
/// `~/.cache/userllm`), so one variable moves the whole cache.
public enum ModelLocation {
    public static func directory(for name: String) -> URL {
        DatasetLocation.home.appendingPathComponent("models").appendingPathComponent(name)
    }

    /// The GGUF file of a known model (`PretrainedModel.known`); for another name, the
    /// file `<name>.gguf` in its folder, where a user may have put one by hand.
    public static func file(for name: String) -> URL {
        let key = name.lowercased()
        let fileName = PretrainedModel.named(key)?.fileName ?? "\(key).gguf"
        return directory(for: key).appendingPathComponent(fileName)
    }

    public struct NotFound: Error, CustomStringConvertible {
        public var description: String
    }

    /// The file a command should open: `file` when given, else the named model's cached
    /// file. Errors say how to get it.
    public static func resolve(model: String?, file: String?) throws -> URL {
        if let file {
            let url = URL(fileURLWithPath: file)
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw NotFound(description: "\(url.path): no such file")
            }
            return url
        }
        let name = model ?? PretrainedModel.known[0].name
        let url = Self.file(for: name)
        guard FileManager.default.fileExists(atPath: url.path) else {
            if PretrainedModel.named(name) != nil {
                throw NotFound(description: "model \(name) is not in the cache (\(url.path)); run `userllm model fetch \(name)`")
            }
            let names = PretrainedModel.known.map(\.name).joined(separator: ", ")
            throw NotFound(description: "unknown model '\(name)' (known: \(names)), and no file at \(url.path); pass --file PATH for another GGUF file")
        }
        return url
    }
}
