/// The element type of a GGUF tensor, by ggml's numbering (`ggml_type`). Every type the
/// format defines is known by name, so an error can say "Q4_K" rather than "type 12"; the
/// ones the engine decodes are `isSupported`.
public enum GGMLType: Equatable, Hashable, Sendable, CustomStringConvertible {
    case f32, f16, q4_0, q4_1, q5_0, q5_1, q8_0, q8_1
    case q2_K, q3_K, q4_K, q5_K, q6_K, q8_K
    case iq2_xxs, iq2_xs, iq3_xxs, iq1_s, iq4_nl, iq3_s, iq2_s, iq4_xs
    case i8, i16, i32, i64, f64, iq1_m, bf16
    case tq1_0, tq2_0, mxfp4
    /// A number no ggml version we know of assigns (or one retired, like Q4_2 = 4).
    case unknown(UInt32)

    /// (raw value, case, name, elements per block, bytes per block) for every named type.
    /// The block geometry is the format's, so a file holding any of them can be indexed
    /// (its tensors' byte ranges checked) even where the values cannot be decoded.
    private static let table: [(UInt32, GGMLType, String, Int, Int)] = [
        (0, .f32, "F32", 1, 4), (1, .f16, "F16", 1, 2),
        (2, .q4_0, "Q4_0", 32, 18), (3, .q4_1, "Q4_1", 32, 20),
        (6, .q5_0, "Q5_0", 32, 22), (7, .q5_1, "Q5_1", 32, 24),
        (8, .q8_0, "Q8_0", 32, 34), (9, .q8_1, "Q8_1", 32, 40),
        (10, .q2_K, "Q2_K", 256, 84), (11, .q3_K, "Q3_K", 256, 110),
        (12, .q4_K, "Q4_K", 256, 144), (13, .q5_K, "Q5_K", 256, 176),
        (14, .q6_K, "Q6_K", 256, 210), (15, .q8_K, "Q8_K", 256, 292),
        (16, .iq2_xxs, "IQ2_XXS", 256, 66), (17, .iq2_xs, "IQ2_XS", 256, 74),
        (18, .iq3_xxs, "IQ3_XXS", 256, 98), (19, .iq1_s, "IQ1_S", 256, 50),
        (20, .iq4_nl, "IQ4_NL", 32, 18), (21, .iq3_s, "IQ3_S", 256, 110),
        (22, .iq2_s, "IQ2_S", 256, 82), (23, .iq4_xs, "IQ4_XS", 256, 136),
        (24, .i8, "I8", 1, 1), (25, .i16, "I16", 1, 2), (26, .i32, "I32", 1, 4),
        (27, .i64, "I64", 1, 8), (28, .f64, "F64", 1, 8), (29, .iq1_m, "IQ1_M", 256, 56),
        (30, .bf16, "BF16", 1, 2),
        (34, .tq1_0, "TQ1_0", 256, 54), (35, .tq2_0, "TQ2_0", 256, 66),
        (39, .mxfp4, "MXFP4", 32, 17),
    ]

    private static let byRaw: [UInt32: (GGMLType, String, Int, Int)] = {
        var m: [UInt32: (GGMLType, String, Int, Int)] = [:]
        for (raw, type, name, block, bytes) in table { m[raw] = (type, name, block, bytes) }
        return m
    }()

    public init(rawValue: UInt32) {
        self = Self.byRaw[rawValue]?.0 ?? .unknown(rawValue)
    }

    public var rawValue: UInt32 {
        if case .unknown(let raw) = self { return raw }
        return Self.table.first { $0.1 == self }!.0
    }

    /// ggml's spelling: "F32", "Q8_0", "Q4_K", or "type 99" for an unknown number.
    public var name: String {
        if case .unknown(let raw) = self { return "type \(raw)" }
        return Self.byRaw[rawValue]!.1
    }

    public var description: String { name }

    /// The types `GGUFDequantize` decodes into Float32.
    public var isSupported: Bool {
        switch self {
        case .f32, .f16, .bf16, .q8_0, .q4_0, .q4_1: return true
        default: return false
        }
    }

    /// Every type the engine decodes, for error messages and tests.
    public static let supported: [GGMLType] = [.f32, .f16, .bf16, .q8_0, .q4_0, .q4_1]

    /// Elements per block (1 for the plain types); nil for an unknown type, whose size
    /// the file cannot be trusted to tell.
    public var blockSize: Int? { Self.byRaw[rawValue].map { $0.2 } }

    /// Bytes one block occupies in the file; nil for an unknown type.
    public var bytesPerBlock: Int? { Self.byRaw[rawValue].map { $0.3 } }
}
