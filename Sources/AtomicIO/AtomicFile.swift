import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a file so that readers see either the old contents or the new, never a torn
/// file, even across a crash: the bytes go to a temporary file in the same folder (rename
/// is atomic only within one file system), which is fsynced, renamed over the target, and
/// the folder is fsynced so the rename itself is durable. Only a regular file or a new
/// path is written: a symlink, FIFO, device or folder in the way is refused, never replaced.
public enum AtomicFile {
    public struct Failure: Error, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "\(path): \(reason)" }
    }

    public static func write(_ data: Data, to url: URL) throws {
        let target = url.standardizedFileURL
        let folder = target.deletingLastPathComponent().path
        try checkTarget(target.path, folder: folder)
        let temporary = folder + "/." + target.lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: 0 ... .max))"

        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure(target.path, "cannot create \(temporary)") }
        var closed = false
        defer {
            if !closed { close(fd) }
        }
        do {
            try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
                var offset = 0
                while offset < raw.count {
                    let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                    if n < 0 {
                        if errno == EINTR { continue }
                        throw failure(target.path, "write to \(temporary)")
                    }
                    offset += n
                }
            }
            guard fsync(fd) == 0 else { throw failure(target.path, "fsync \(temporary)") }
            closed = true
            guard close(fd) == 0 else { throw failure(target.path, "close \(temporary)") }
            guard rename(temporary, target.path) == 0 else { throw failure(target.path, "rename \(temporary) over it") }
        } catch {
            unlink(temporary)
            throw error
        }
        // Without this the rename may be lost on power failure even though the data is safe.
        let dirFD = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirFD >= 0 {
            _ = fsync(dirFD)
            close(dirFD)
        }
    }

    /// Renaming over the target replaces whatever is there: a symlink would become a plain
    /// file (its target untouched), a FIFO or a device would vanish from /dev. So the
    /// target must be a regular file or not exist yet, and its folder must exist.
    public static func checkTarget(_ path: String, folder: String) throws {
        var info = stat()
        if lstat(path, &info) == 0 {
            let kind = info.st_mode & S_IFMT
            guard kind == S_IFREG else {
                let hint = kind == S_IFLNK ? " (give the path it points to, or remove the link)" : ""
                throw Failure(path: path, reason: "is \(FileBytes.describe(kind)); refusing to replace it —"
                    + " output goes only to a regular file or a new path\(hint)")
            }
            return
        }
        guard errno == ENOENT else { throw failure(path, "lstat") }
        var folderInfo = stat()
        guard stat(folder, &folderInfo) == 0 else {
            throw Failure(path: path, reason: "its folder \(folder) does not exist (\(String(cString: strerror(errno))))")
        }
        guard folderInfo.st_mode & S_IFMT == S_IFDIR else {
            throw Failure(path: path, reason: "\(folder) is not a folder")
        }
    }

    private static func failure(_ path: String, _ what: String) -> Failure {
        Failure(path: path, reason: "\(what) failed: \(String(cString: strerror(errno)))")
    }
}
