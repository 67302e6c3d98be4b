/// One metadata value of a GGUF file, in the type the file stores it as.
public enum GGUFValue: Sendable, Equatable {
    case uint8(UInt8), int8(Int8), uint16(UInt16), int16(Int16)
    case uint32(UInt32), int32(Int32), uint64(UInt64), int64(Int64)
    case float32(Float), float64(Double)
    case bool(Bool)
    case string(String)
    case array([GGUFValue])

    /// Any integer type as an Int (nil for a UInt64 beyond Int.max and for non-integers):
    /// writers disagree on u32 or i32 for the same key, so readers should not care.
    public var int: Int? {
        switch self {
        case .uint8(let v): return Int(v)
        case .int8(let v): return Int(v)
        case .uint16(let v): return Int(v)
        case .int16(let v): return Int(v)
        case .uint32(let v): return Int(v)
        case .int32(let v): return Int(v)
        case .uint64(let v): return Int(exactly: v)
        case .int64(let v): return Int(v)
        default: return nil
        }
    }

    /// A float of either width; integers too, since an integral hyperparameter such as a
    /// RoPE base is sometimes written as one.
    public var float: Double? {
        switch self {
        case .float32(let v): return Double(v)
        case .float64(let v): return v
        default: return int.map(Double.init)
        }
    }

    public var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var bool: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    public var array: [GGUFValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// The format's name for the type: "u32", "f32", "string", "array[string]".
    public var typeName: String {
        switch self {
        case .uint8: return "u8"
        case .int8: return "i8"
        case .uint16: return "u16"
        case .int16: return "i16"
        case .uint32: return "u32"
        case .int32: return "i32"
        case .uint64: return "u64"
        case .int64: return "i64"
        case .float32: return "f32"
        case .float64: return "f64"
        case .bool: return "bool"
        case .string: return "string"
        case .array(let a): return "array[\(a.first?.typeName ?? "")]"
        }
    }

    /// A one-line rendering for listings: arrays longer than `arrayLimit` show their first
    /// elements and their length, strings longer than `stringLimit` are cut.
    public func summary(arrayLimit: Int = 8, stringLimit: Int = 120) -> String {
        switch self {
        case .string(let s):
            let escaped = s.unicodeScalars.map { u -> String in
                switch u {
                case "\n": return "\\n"
                case "\t": return "\\t"
                case "\r": return "\\r"
                case "\"": return "\\\""
                default: return String(u)
                }
            }.joined()
            if escaped.count > stringLimit {
                return "\"\(escaped.prefix(stringLimit))…\" (\(s.utf8.count) bytes)"
            }
            return "\"\(escaped)\""
        case .array(let a):
            let shown = a.prefix(arrayLimit).map { $0.summary(arrayLimit: arrayLimit, stringLimit: 24) }
            let more = a.count > arrayLimit ? ", … (\(a.count) items)" : ""
            return "[\(shown.joined(separator: ", "))\(more)]"
        case .float32(let v): return "\(v)"
        case .float64(let v): return "\(v)"
        case .bool(let b): return b ? "true" : "false"
        default: return "\(int.map(String.init) ?? "?")"
        }
    }
}
