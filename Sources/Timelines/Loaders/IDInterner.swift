/// Maps raw IDs (user IDs, item IDs) to dense Int32 indices in first-seen order.
/// Pure-decimal IDs take an integer-keyed table so the hot path makes no String.
struct IDInterner {
    private var numeric: [Int64: Int32] = [:]
    private var textual: [String: Int32] = [:]
    private(set) var rawIDs: [String] = []

    var count: Int { rawIDs.count }

    /// Decimal without a leading zero (so "007" stays distinct from "7"), at most 18 digits.
    @inline(__always)
    private static func numericKey(_ b: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard b.count > 0, b.count <= 18, b[0] != 0x30 || b.count == 1 else { return nil }
        var v: Int64 = 0
        for c in b {
            let d = c &- 0x30
            if d > 9 { return nil }
            v = v * 10 + Int64(d)
        }
        return v
    }

    /// Index of `b`, adding it when new; nil when the bytes are not valid UTF-8.
    mutating func intern(_ b: UnsafeBufferPointer<UInt8>) -> Int32? {
        if let k = Self.numericKey(b) {
            if let idx = numeric[k] { return idx }
            let idx = Int32(rawIDs.count)
            numeric[k] = idx
            rawIDs.append(String(k))
            return idx
        }
        guard let s = ByteParsing.utf8(b) else { return nil }
        return intern(s)
    }

    mutating func intern(_ s: String) -> Int32 {
        var copy = s
        let key: Int64? = copy.withUTF8 { Self.numericKey($0) }
        if let k = key {
            if let idx = numeric[k] { return idx }
            let idx = Int32(rawIDs.count)
            numeric[k] = idx
            rawIDs.append(s)
            return idx
        }
        if let idx = textual[s] { return idx }
        let idx = Int32(rawIDs.count)
        textual[s] = idx
        rawIDs.append(s)
        return idx
    }

    @inline(__always)
    func lookup(_ b: UnsafeBufferPointer<UInt8>) -> Int32? {
        if let k = Self.numericKey(b) { return numeric[k] }
        guard let s = ByteParsing.utf8(b) else { return nil }
        return textual[s]
    }

    func lookup(_ s: String) -> Int32? {
        var copy = s
        return copy.withUTF8 { b in
            if let k = Self.numericKey(b) { return numeric[k] }
            return textual[s]
        }
    }
}
