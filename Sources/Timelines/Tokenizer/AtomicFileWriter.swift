import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a file so that readers see the old contents or the new, never a torn mix:
/// a temporary file beside it, fsync, then rename over the target.
enum AtomicFileWriter {
    static func write(_ data: Data, to url: URL) throws {
        let directory = url.deletingLastPathComponent().path
        let temp = directory + "/.\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        func failure(_ what: String) -> TokenizerError {
            TokenizerError(file: url.path, key: "", reason: "\(what) failed: \(String(cString: strerror(errno)))")
        }
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard fd >= 0 else { throw failure("creating \(temp)") }
        var ok = true
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 { if errno == EINTR { continue }; ok = false; return }
                offset += n
            }
        }
        if !ok { let e = failure("writing"); close(fd); unlink(temp); throw e }
        if fsync(fd) != 0 { let e = failure("fsync"); close(fd); unlink(temp); throw e }
        close(fd)
        if rename(temp, url.path) != 0 { let e = failure("renaming"); unlink(temp); throw e }
        // Make the rename itself durable.
        let dirFD = open(directory.isEmpty ? "." : directory, O_RDONLY)
        if dirFD >= 0 { _ = fsync(dirFD); close(dirFD) }
    }
}
