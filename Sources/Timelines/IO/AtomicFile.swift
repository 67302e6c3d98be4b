import Foundation

/// Writes a file so a crash leaves either the old file or the new one, never half of one.
public enum AtomicFile {
    public static func write(_ data: Data, to url: URL) throws {
        let dir = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let tmp = dir.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        guard let f = fopen(tmp.path, "wb") else {
            throw DatasetError.unreadable(path: tmp.path, reason: "cannot create: \(String(cString: strerror(errno)))")
        }
        let written = data.withUnsafeBytes { fwrite($0.baseAddress, 1, data.count, f) }
        let ok = written == data.count && fflush(f) == 0 && fsync(fileno(f)) == 0
        fclose(f)
        guard ok, rename(tmp.path, url.path) == 0 else {
            unlink(tmp.path)
            throw DatasetError.unreadable(path: url.path, reason: "write failed: \(String(cString: strerror(errno)))")
        }
    }
}
