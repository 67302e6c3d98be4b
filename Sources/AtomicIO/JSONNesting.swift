/// How deeply a JSON (or Python-literal) text nests, found by one flat scan before any
/// recursive parser sees it: a reader of untrusted text must not recurse without bound
/// (a record nested 40,000 levels deep overflowed the stack).
public enum JSONNesting {
    /// The deepest nesting of `[`, `{` and `(` outside strings (either quote kind, so
    /// Python literals count right too). Stops counting once past `limit`, so the answer
    /// is exact up to `limit + 1` and the scan is cheap on hostile input.
    public static func depth(_ b: UnsafeRawBufferPointer, limit: Int) -> Int {
        var depth = 0, deepest = 0
        var quote: UInt8 = 0
        var i = 0
        while i < b.count {
            let c = b[i]
            if quote != 0 {
                if c == 0x5C { i += 2; continue }          // a backslash escapes the next byte
                if c == quote { quote = 0 }
            } else {
                switch c {
                case 0x22, 0x27: quote = c                  // " '
                case 0x5B, 0x7B, 0x28:                      // [ { (
                    depth += 1
                    if depth > deepest {
                        deepest = depth
                        if deepest > limit { return deepest }
                    }
                case 0x5D, 0x7D, 0x29: depth = max(0, depth - 1)
                default: break
                }
            }
            i += 1
        }
        return deepest
    }
}
