import Foundation

/// Runs Tools/reference/bench_torch.py (PyTorch on the same shapes and thread count) and
/// reads its JSON.
struct BenchTorch {
    struct Step: Codable {
        var tokens: Int
        var forward: Double
        var backward: Double
        var optimizer: Double
        var step: Double
        var loss: Double
    }

    struct Report: Codable {
        var torch: String
        var threads: Int
        var results: [Step]
    }

    var python: String
    var script: URL

    /// The script beside the package this binary was built from, or under the working folder.
    static func locateScript() -> URL? {
        let relative = "Tools/reference/bench_torch.py"
        let sourceRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        for root in [URL(fileURLWithPath: FileManager.default.currentDirectoryPath), sourceRoot] {
            let url = root.appendingPathComponent(relative)
            if FileManager.default.fileExists(atPath: url.path) { return url }
        }
        return nil
    }

    /// Whether `python` can import torch (quietly).
    func torchAvailable() -> Bool {
        (try? run(["-c", "import torch"], quiet: true).status) == 0
    }

    func measure(threads: Int, tokens: [Int], batch: Int, users: Int, steps: Int, warmup: Int,
                 config: BenchModelStep.Shape) throws -> Report {
        let args = [script.path, "--threads", "\(threads)", "--tokens", tokens.map(String.init).joined(separator: ","),
                    "--batch", "\(batch)", "--users", "\(users)", "--steps", "\(steps)", "--warmup", "\(warmup)",
                    "--d", "\(config.d)", "--layers", "\(config.layers)", "--heads", "\(config.heads)",
                    "--hidden", "\(config.hidden)", "--vocab", "\(config.vocab)", "--context-dim", "\(config.d)"]
        let (status, out) = try run(args, environment: ["OMP_NUM_THREADS": "\(threads)",
                                                        "OPENBLAS_NUM_THREADS": "\(threads)"])
        guard status == 0 else { throw BenchError("\(script.lastPathComponent) exited with status \(status)") }
        do {
            return try JSONDecoder().decode(Report.self, from: out)
        } catch {
            throw BenchError("\(script.lastPathComponent) printed unreadable JSON: \(error)")
        }
    }

    private func run(_ arguments: [String], environment: [String: String] = [:], quiet: Bool = false) throws -> (status: Int32, stdout: Data) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = arguments
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = quiet ? FileHandle.nullDevice : FileHandle.standardError
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, data)
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
