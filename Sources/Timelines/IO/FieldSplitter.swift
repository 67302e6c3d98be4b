/// Splits a line into fields on a one- or two-byte separator, or as RFC 4180 CSV
/// (double-quoted fields with commas and doubled quotes inside).
/// Field bounds go into a reused array so the hot path allocates nothing per line.
struct FieldSplitter {
    enum Mode { case separator(UInt8), doubleColon, csv }
    let mode: Mode
    /// (start, end) byte offsets of each field of the last split line.
    private(set) var bounds: [(Int, Int)] = []
    /// Set when a CSV field was quoted, so `field(_:)` must unescape it.
    private(set) var hasQuotes = false

    init(_ mode: Mode) {
        self.mode = mode
        bounds.reserveCapacity(32)
    }

    /// Returns false for a CSV line with an unterminated quote.
    mutating func split(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        bounds.removeAll(keepingCapacity: true)
        hasQuotes = false
        let n = line.count
        switch mode {
        case .separator(let sep):
            var s = 0
            for i in 0..<n where line[i] == sep {
                bounds.append((s, i)); s = i + 1
            }
            bounds.append((s, n))
        case .doubleColon:
            var s = 0, i = 0
            while i + 1 < n {
                if line[i] == 0x3A && line[i + 1] == 0x3A { bounds.append((s, i)); i += 2; s = i } else { i += 1 }
            }
            bounds.append((s, n))
        case .csv:
            var i = 0
            while true {
                if i < n && line[i] == 0x22 {
                    hasQuotes = true
                    var j = i + 1
                    var closed = false
                    while j < n {
                        if line[j] == 0x22 {
                            if j + 1 < n && line[j + 1] == 0x22 { j += 2; continue }
                            closed = true; break
                        }
                        j += 1
                    }
                    if !closed { return false }
                    bounds.append((i, j + 1))   // keeps the quotes; field() strips them
                    i = j + 1
                    if i == n { return true }
                    if line[i] != 0x2C { return false }  // text after a closing quote
                    i += 1
                } else {
                    var j = i
                    while j < n && line[j] != 0x2C { j += 1 }
                    bounds.append((i, j))
                    if j == n { return true }
                    i = j + 1
                }
            }
        }
        return true
    }

    var count: Int { bounds.count }

    /// The raw bytes of field `k` (quotes still on for quoted CSV fields).
    @inline(__always)
    func bytes(_ k: Int, of line: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        let (s, e) = bounds[k]
        return UnsafeBufferPointer(rebasing: line[s..<e])
    }

    /// Field `k` as bytes with CSV quoting removed (allocates only for quoted fields).
    func unquoted(_ k: Int, of line: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        let b = bytes(k, of: line)
        guard b.count >= 2, b[0] == 0x22, b[b.count - 1] == 0x22 else { return Array(b) }
        var out: [UInt8] = []
        out.reserveCapacity(b.count)
        var i = 1
        while i < b.count - 1 {
            out.append(b[i])
            i += (b[i] == 0x22) ? 2 : 1
        }
        return out
    }
}
