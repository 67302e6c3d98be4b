import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a whole input file (a config, a tokenizer, a checkpoint) safely: only a regular
/// file is read — a FIFO would block forever and `/dev/zero` never ends — and no more
/// than `limit` bytes, and a failure says why in words ("No such file or directory",
/// "is a directory") rather than "NSCocoaErrorDomain error 256".
public enum FileBytes {
    public struct Failure: Error, CustomStringConvertible, Equatable {
        public var path: String
        public var reason: String
        public var description: String { "\(path): \(reason)" }
    }

    /// The bytes of `url`. `limit`: the largest size accepted (the refusal names both).
    public static func read(_ url: URL, limit: Int) throws -> Data {
        let path = url.path
        let fd = try openRegular(path, forReading: true)
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw Failure(path: path, reason: "cannot stat: \(errnoText())") }
        let size = Int(info.st_size)
        guard size <= limit else {
            throw Failure(path: path, reason: "\(size) bytes, more than the \(limit) bytes such a file may have")
        }
        var data = Data(count: size)
        var offset = 0
        try data.withUnsafeMutableBytes { (raw: UnsafeMutableRawBufferPointer) in
            while offset < size {
                let n = Glibc.read(fd, raw.baseAddress! + offset, size - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw Failure(path: path, reason: "read failed: \(errnoText())")
                }
                if n == 0 { break }
                offset += n
            }
        }
        // A file that shrank while read is read as it now is.
        if offset < size { data.count = offset }
        return data
    }

    /// JSON text without a leading UTF-8 byte-order mark (editors on Windows add one; the
    /// JSON parser would call the file "not valid JSON").
    public static func droppingUTF8BOM(_ data: Data) -> Data {
        data.starts(with: [0xEF, 0xBB, 0xBF]) ? data.dropFirst(3) : data
    }

    /// Opens `path` for reading, refusing anything but a regular file. O_NONBLOCK makes
    /// opening a FIFO return at once (it is then refused) instead of waiting for a writer.
    public static func openRegular(_ path: String, forReading: Bool) throws -> Int32 {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(path: path, reason: "cannot read: \(errnoText())") }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let why = errnoText()
            close(fd)
            throw Failure(path: path, reason: "cannot stat: \(why)")
        }
        let kind = info.st_mode & S_IFMT
        guard kind == S_IFREG else {
            close(fd)
            throw Failure(path: path, reason: "is \(describe(kind)), not a regular file")
        }
        // Back to blocking reads for a regular file (O_NONBLOCK has no effect on them, but be plain).
        let flags = fcntl(fd, F_GETFL)
        if flags >= 0 { _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) }
        return fd
    }

    /// "a directory", "a FIFO", … for a `st_mode & S_IFMT` value.
    public static func describe(_ kind: mode_t) -> String {
        switch kind {
        case S_IFDIR: return "a directory"
        case S_IFIFO: return "a FIFO (named pipe)"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        case S_IFSOCK: return "a socket"
        case S_IFLNK: return "a symbolic link"
        case S_IFREG: return "a regular file"
        default: return "a special file"
        }
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}
