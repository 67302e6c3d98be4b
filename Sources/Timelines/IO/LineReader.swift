import Foundation

/// Streams a file (plain or gzip) line by line as borrowed byte slices: no String is made
/// per line, which is what lets a 20M-line ratings.csv load in seconds.
/// Lines end at `\n`; a trailing `\r` is dropped; a final line without `\n` is still read.
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
        while true {
            // Emit every complete line in buffer[start..<end].
            while start < end {
                let remaining = end - start
                guard let hit = memchr(buffer + start, 0x0A, remaining) else { break }
                let newline = buffer.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                var lineEnd = newline
                if lineEnd > start && buffer[lineEnd - 1] == 0x0D { lineEnd -= 1 }
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
}
