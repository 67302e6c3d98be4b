/// Why a GGUF file could not be read, naming the file and, where one is at fault, the
/// tensor or metadata key and the byte offset in the file.
public struct GGUFError: Error, Equatable, CustomStringConvertible {
    public enum Reason: Equatable, Sendable {
        /// The operating system refused (open, stat, mmap).
        case io(String)
        /// The file ends before `what` does: it needs bytes up to `needed`.
        case truncated(what: String, needed: Int, fileSize: Int)
        /// The first four bytes are not "GGUF".
        case badMagic([UInt8])
        /// Only versions 2 and 3 exist in the wild beyond the retired version 1 (32-bit counts).
        case unsupportedVersion(UInt32)
        /// A count or length beyond `GGUFLimits`, refused before allocating.
        case tooMany(what: String, count: UInt64, limit: Int)
        case badUTF8(what: String)
        case unknownValueType(UInt32)
        case arrayNestingTooDeep(limit: Int)
        case duplicateKey
        case duplicateTensor
        /// `general.alignment` is not a positive power of two (of sane size).
        case badAlignment(String)
        case badDimensions([UInt64])
        /// The product of the dimensions (or its byte size) does not fit in an Int.
        case sizeOverflow([UInt64])
        /// The type number is not one ggml defines.
        case unknownTensorType(UInt32)
        /// A type ggml defines that the engine does not decode (a K-quant, say).
        case unsupportedType(GGMLType)
        /// The first dimension is not a whole number of blocks.
        case rowNotWholeBlocks(columns: Int, type: GGMLType)
        case offsetOutOfRange(offset: UInt64, byteCount: Int, dataSize: Int)
        case misalignedOffset(offset: UInt64, alignment: Int)
        case overlapping(other: String)
        case missingTensor
        case missingKey
        case wrongKeyType(expected: String, found: String)
        /// A value of the right type but impossible (a negative count, say).
        case badValue(String)
    }

    public var file: String
    public var tensor: String?
    public var key: String?
    /// Where in the file the offending item starts, when that helps find it with a hex dump.
    public var offset: Int?
    public var reason: Reason

    public init(file: String, tensor: String? = nil, key: String? = nil, offset: Int? = nil, reason: Reason) {
        self.file = file
        self.tensor = tensor
        self.key = key
        self.offset = offset
        self.reason = reason
    }

    public var description: String {
        var what = ""
        if let tensor { what += "tensor '\(tensor)': " }
        if let key { what += "key '\(key)': " }
        if let offset { what += "at byte \(offset): " }
        return "\(file): \(what)\(reason.explanation)"
    }
}

extension GGUFError.Reason {
    var explanation: String {
        switch self {
        case .io(let why): return why
        case .truncated(let what, let needed, let size):
            return "truncated: \(what) needs bytes up to \(needed) but the file has \(size)"
        case .badMagic(let bytes):
            let shown = bytes.map { b in (0x20..<0x7F).contains(b) ? String(UnicodeScalar(b)) : "\\x" + String(b, radix: 16) }
            return "not a GGUF file: starts with \"\(shown.joined())\", not \"GGUF\""
        case .unsupportedVersion(let v):
            return v == 1 ? "GGUF version 1 (32-bit counts) is retired; convert the file again"
                          : "GGUF version \(v) is not supported (readable: 2, 3)"
        case .tooMany(let what, let count, let limit):
            return "\(what) \(count) is beyond the limit \(limit) (corrupt file?)"
        case .badUTF8(let what): return "\(what) is not valid UTF-8"
        case .unknownValueType(let t): return "unknown metadata value type \(t)"
        case .arrayNestingTooDeep(let limit): return "arrays nested deeper than \(limit)"
        case .duplicateKey: return "metadata key appears twice"
        case .duplicateTensor: return "tensor name appears twice"
        case .badAlignment(let why): return "bad general.alignment: \(why)"
        case .badDimensions(let dims): return "dimensions \(dims) must each be at least 1"
        case .sizeOverflow(let dims): return "dimensions \(dims) overflow the element or byte count"
        case .unknownTensorType(let t): return "unknown tensor type \(t)"
        case .unsupportedType(let type):
            return "type \(type.name) is not supported (readable: \(GGMLType.supported.map(\.name).joined(separator: ", ")))"
        case .rowNotWholeBlocks(let columns, let type):
            return "first dimension \(columns) is not a multiple of the \(type.name) block size \(type.blockSize ?? 0)"
        case .offsetOutOfRange(let offset, let count, let size):
            return "data offset \(offset) + \(count) bytes is beyond the \(size)-byte data section (truncated file?)"
        case .misalignedOffset(let offset, let alignment):
            return "data offset \(offset) is not a multiple of the alignment \(alignment)"
        case .overlapping(let other): return "data overlaps tensor '\(other)'"
        case .missingTensor: return "no such tensor in the file"
        case .missingKey: return "no such metadata key in the file"
        case .wrongKeyType(let expected, let found): return "expected \(expected), found \(found)"
        case .badValue(let why): return why
        }
    }
}
