import Foundation

/// Streams a file (plain or gzip) line by line as borrowed byte slices: no String is made
/// per line, which is what lets a 20M-line ratings.csv load in seconds.
///
/// Line endings: LF and CRLF (a trailing `\r` is dropped), and old Mac CR-only files,
/// recognised from the first line ending in the file (a CR not followed by LF) — read as
/// one line per CR rather than as one giant line. A UTF-8 byte-order mark at the start is
/// skipped, so a header written by Excel still matches. A final line without an ending is
/// still read.
struct LineReader {
    let path: String

    init(path: String) { self.path = path }

    /// Calls `body` with each line's bytes (valid only during the call) and its 1-based number.
    func forEachLine(_ body: (UnsafeBufferPointer<UInt8>, Int) throws -> Void) throws {
        let source = try ByteSource(path: path)
        var capacity = 1 << 20
        var buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        defer { buffer.deallocate() }
        var start = 0, end = 0, lineNumber = 0
        var atEOF = false
        // Decided from the first line ending seen: LF (and CRLF) or CR alone.
        var terminator: UInt8? = nil
        var sawStart = false
        while true {
            if !sawStart && (end >= 3 || atEOF) {
                sawStart = true
                if end >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF { start = 3 }
            }
            if terminator == nil && sawStart {
                terminator = Self.lineEnding(buffer + start, end - start, atEOF: atEOF)
            }
            // Emit every complete line in buffer[start..<end].
            while let term = terminator, start < end {
                let remaining = end - start
                guard let hit = memchr(buffer + start, Int32(term), remaining) else { break }
                let newline = buffer.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                var lineEnd = newline
                if term == 0x0A && lineEnd > start && buffer[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                lineNumber += 1
                try body(UnsafeBufferPointer(start: buffer + start, count: lineEnd - start), lineNumber)
                start = newline + 1
            }
            if atEOF {
                if start < end {
                    var lineEnd = end
                    if buffer[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                    lineNumber += 1
                    try body(UnsafeBufferPointer(start: buffer + start, count: lineEnd - start), lineNumber)
                }
                return
            }
            // Keep the partial line, then refill; grow when one line fills the whole buffer.
            if start > 0 {
                memmove(buffer, buffer + start, end - start)
                end -= start
                start = 0
            }
            if end == capacity {
                let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity * 2)
                bigger.update(from: buffer, count: end)
                buffer.deallocate()
                buffer = bigger
                capacity *= 2
            }
            let n = try source.read(into: buffer + end, capacity: capacity - end)
            if n == 0 { atEOF = true } else { end += n }
        }
    }

    /// The byte that ends lines, from the first CR or LF in `bytes`; nil while undecided
    /// (no ending yet, or a CR at the very end of what has been read so far).
    private static func lineEnding(_ bytes: UnsafeMutablePointer<UInt8>, _ count: Int, atEOF: Bool) -> UInt8? {
        var i = 0
        while i < count {
            let c = bytes[i]
            if c == 0x0A { return 0x0A }
            if c == 0x0D {
                if i + 1 < count { return bytes[i + 1] == 0x0A ? 0x0A : 0x0D }
                return atEOF ? 0x0A : nil
            }
            i += 1
        }
        return atEOF ? 0x0A : nil
    }
}
