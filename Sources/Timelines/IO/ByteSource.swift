import AtomicIO
import CZlib
import Foundation

/// The bytes of one file, read in chunks; gzip (detected by its magic bytes, not the
/// file name) is inflated on the fly so a multi-GiB `.json.gz` never sits in memory.
final class ByteSource {
    let path: String
    let isGzip: Bool
    private let file: UnsafeMutablePointer<FILE>
    private var stream = z_stream()
    private var compressed: UnsafeMutablePointer<UInt8>
    // 256 KiB: large enough that fread/inflate call overhead vanishes, small enough for L2.
    private let compressedCapacity = 1 << 18
    private var streamEnded = false
    private var inputExhausted = false
    /// A gzip error met after some bytes were inflated: those bytes go out first, the
    /// error on the next call, so the lines before a truncation are still read.
    private var pendingError: DatasetError?

    init(path: String) throws {
        self.path = path
        // Only a regular file: a FIFO named ratings.csv would block the load forever, and a
        // device such as /dev/zero would never end.
        let fd: Int32
        do { fd = try FileBytes.openRegular(path, forReading: true) } catch let failure as FileBytes.Failure {
            let reason = failure.reason.hasPrefix("cannot read: ") ? String(failure.reason.dropFirst(13)) : failure.reason
            throw DatasetError.unreadable(path: path, reason: reason)
        }
        guard let f = fdopen(fd, "rb") else {
            let why = String(cString: strerror(errno))
            close(fd)
            throw DatasetError.unreadable(path: path, reason: why)
        }
        file = f
        var magic = [UInt8](repeating: 0, count: 2)
        let n = fread(&magic, 1, 2, f)
        isGzip = n == 2 && magic[0] == 0x1f && magic[1] == 0x8b
        rewind(f)
        compressed = .allocate(capacity: compressedCapacity)
        if isGzip {
            // 15 + 16: gzip wrapper only, so a plain deflate stream is not silently accepted.
            let rc = inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
            if rc != Z_OK {
                fclose(f)
                compressed.deallocate()
                throw DatasetError.unreadable(path: path, reason: "zlib inflateInit2 failed (\(rc))")
            }
        }
    }

    deinit {
        if isGzip { inflateEnd(&stream) }
        fclose(file)
        compressed.deallocate()
    }

    /// Fills up to `capacity` bytes; returns 0 only at the end of the (decompressed) data.
    func read(into buffer: UnsafeMutablePointer<UInt8>, capacity: Int) throws -> Int {
        if !isGzip {
            let n = fread(buffer, 1, capacity, file)
            if n == 0 && ferror(file) != 0 {
                throw DatasetError.unreadable(path: path, reason: "read error: \(String(cString: strerror(errno)))")
            }
            return n
        }
        if let e = pendingError { throw e }
        stream.next_out = buffer
        stream.avail_out = UInt32(capacity)
        func fail(_ e: DatasetError) throws -> Bool {
            if Int(stream.avail_out) == capacity { throw e }
            pendingError = e
            return true
        }
        fill: while stream.avail_out > 0 {
            if stream.avail_in == 0 && !inputExhausted {
                let n = fread(compressed, 1, compressedCapacity, file)
                if n == 0 {
                    inputExhausted = true
                } else {
                    stream.next_in = compressed
                    stream.avail_in = UInt32(n)
                }
            }
            if stream.avail_in == 0 && inputExhausted {
                if !streamEnded, try fail(.truncatedGzip(path: path)) { break fill }
                break
            }
            if streamEnded {
                // Concatenated gzip members (as `cat a.gz b.gz` makes) are one file to gzip(1).
                inflateReset(&stream)
                streamEnded = false
            }
            let rc = inflate(&stream, Z_NO_FLUSH)
            switch rc {
            case Z_STREAM_END:
                streamEnded = true
            case Z_OK:
                break
            case Z_BUF_ERROR:
                // No progress possible: needs more input, loop reads it (or reports truncation).
                if stream.avail_in != 0, try fail(.corruptGzip(path: path, reason: "inflate made no progress")) { break fill }
            default:
                let message = stream.msg.map { String(cString: $0) } ?? "zlib error \(rc)"
                if try fail(.corruptGzip(path: path, reason: message)) { break fill }
            }
        }
        return capacity - Int(stream.avail_out)
    }
}
