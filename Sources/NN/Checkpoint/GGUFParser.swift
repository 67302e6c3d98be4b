/// Parses and validates a GGUF header (metadata and tensor table) from the file's bytes:
///
///     "GGUF"  u32 version  u64 tensor_count  u64 metadata_count
///     metadata_count × (string key, u32 value_type, value)
///     tensor_count × (string name, u32 n_dims, n_dims × u64 ne, u32 ggml_type, u64 offset)
///     padding to general.alignment (default 32)
///     tensor data; each offset is relative to here and a multiple of the alignment
///
/// where a string is a u64 byte length then UTF-8 bytes (no terminator), and an array
/// value is u32 element_type, u64 count, then the elements. Little-endian throughout.
/// Every read is bounds-checked and every count bounded before anything is allocated.
struct GGUFParser {
    struct Header {
        var version: UInt32
        var metadata: [String: GGUFValue]
        var metadataKeys: [String]
        var tensors: [GGUFTensorInfo]
        var alignment: Int
        var dataStart: Int
    }

    /// The format's default when `general.alignment` is absent.
    static let defaultAlignment = 32
    /// Alignments beyond this are taken for corruption rather than for a page size.
    static let maximumAlignment = 1 << 20

    let bytes: UnsafeRawBufferPointer
    let path: String
    let limits: GGUFLimits
    let requireSupportedTypes: Bool
    var position = 0
    /// What is being read, for errors.
    var key: String?
    var tensor: String?

    init(bytes: UnsafeRawBufferPointer, path: String, limits: GGUFLimits, requireSupportedTypes: Bool) {
        self.bytes = bytes
        self.path = path
        self.limits = limits
        self.requireSupportedTypes = requireSupportedTypes
    }

    func fail(_ reason: GGUFError.Reason, at offset: Int? = nil) -> GGUFError {
        GGUFError(file: path, tensor: tensor, key: key, offset: offset, reason: reason)
    }

    // MARK: Primitives

    mutating func need(_ count: Int, _ what: String) throws {
        if count > bytes.count - position {
            let (end, overflow) = position.addingReportingOverflow(count)
            throw fail(.truncated(what: what, needed: overflow ? Int.max : end, fileSize: bytes.count), at: position)
        }
    }

    mutating func load<T: FixedWidthInteger>(_: T.Type, _ what: String) throws -> T {
        try need(MemoryLayout<T>.size, what)
        let v = T(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: T.self))
        position += MemoryLayout<T>.size
        return v
    }

    mutating func string(_ what: String) throws -> String {
        let start = position
        let length = try load(UInt64.self, "the length of \(what)")
        guard length <= UInt64(limits.maxStringLength) else {
            throw fail(.tooMany(what: "length of \(what)", count: length, limit: limits.maxStringLength), at: start)
        }
        try need(Int(length), what)
        let raw = UnsafeBufferPointer(start: bytes.baseAddress!.assumingMemoryBound(to: UInt8.self) + position, count: Int(length))
        guard let s = String(validating: raw, as: UTF8.self) else { throw fail(.badUTF8(what: what), at: start) }
        position += Int(length)
        return s
    }

    // MARK: Metadata values

    /// The smallest encoding of one value of `type`, so an array's count can be checked
    /// against the bytes left before its elements are read; nil for an unknown type.
    static func minimumSize(of type: UInt32) -> Int? {
        switch type {
        case 0, 1, 7: return 1          // u8, i8, bool
        case 2, 3: return 2             // u16, i16
        case 4, 5, 6: return 4          // u32, i32, f32
        case 10, 11, 12: return 8       // u64, i64, f64
        case 8: return 8                // string: its length
        case 9: return 12               // array: element type and count
        default: return nil
        }
    }

    mutating func value(type: UInt32, depth: Int) throws -> GGUFValue {
        let start = position
        switch type {
        case 0: return .uint8(try load(UInt8.self, "a u8 value"))
        case 1: return .int8(try load(Int8.self, "an i8 value"))
        case 2: return .uint16(try load(UInt16.self, "a u16 value"))
        case 3: return .int16(try load(Int16.self, "an i16 value"))
        case 4: return .uint32(try load(UInt32.self, "a u32 value"))
        case 5: return .int32(try load(Int32.self, "an i32 value"))
        case 6: return .float32(Float(bitPattern: try load(UInt32.self, "an f32 value")))
        case 7:
            let b = try load(UInt8.self, "a bool value")
            guard b <= 1 else { throw fail(.badValue("bool byte \(b) is neither 0 nor 1"), at: start) }
            return .bool(b == 1)
        case 8: return .string(try string("a string value"))
        case 10: return .uint64(try load(UInt64.self, "a u64 value"))
        case 11: return .int64(try load(Int64.self, "an i64 value"))
        case 12: return .float64(Double(bitPattern: try load(UInt64.self, "an f64 value")))
        case 9:
            guard depth < limits.maxArrayNesting else { throw fail(.arrayNestingTooDeep(limit: limits.maxArrayNesting), at: start) }
            let elementType = try load(UInt32.self, "an array's element type")
            let count = try load(UInt64.self, "an array's length")
            guard let size = Self.minimumSize(of: elementType) else { throw fail(.unknownValueType(elementType), at: start) }
            guard count <= UInt64(limits.maxArrayLength) else {
                throw fail(.tooMany(what: "array length", count: count, limit: limits.maxArrayLength), at: start)
            }
            // Within the limit, count × size cannot overflow; checking it against the bytes
            // left keeps a truncated file from reserving memory for elements it lacks.
            try need(Int(count) * size, "an array of \(count) elements")
            var items: [GGUFValue] = []
            items.reserveCapacity(Int(count))
            for _ in 0..<Int(count) { items.append(try value(type: elementType, depth: depth + 1)) }
            return .array(items)
        default:
            throw fail(.unknownValueType(type), at: start)
        }
    }

    // MARK: The whole header

    mutating func parse() throws -> Header {
        try need(4, "the magic")
        let magic = Array(bytes[0..<4])
        guard magic == Array("GGUF".utf8) else { throw fail(.badMagic(magic), at: 0) }
        position = 4
        let version = try load(UInt32.self, "the version")
        guard version == 2 || version == 3 else { throw fail(.unsupportedVersion(version), at: 4) }
        let tensorCount = try load(UInt64.self, "the tensor count")
        guard tensorCount <= UInt64(limits.maxTensors) else {
            throw fail(.tooMany(what: "tensor count", count: tensorCount, limit: limits.maxTensors), at: 8)
        }
        let metadataCount = try load(UInt64.self, "the metadata count")
        guard metadataCount <= UInt64(limits.maxMetadataEntries) else {
            throw fail(.tooMany(what: "metadata count", count: metadataCount, limit: limits.maxMetadataEntries), at: 16)
        }

        var metadata: [String: GGUFValue] = [:]
        var keys: [String] = []
        for _ in 0..<Int(metadataCount) {
            let start = position
            let name = try string("a metadata key")
            key = name
            guard metadata[name] == nil else { throw fail(.duplicateKey, at: start) }
            let type = try load(UInt32.self, "the value type")
            metadata[name] = try value(type: type, depth: 0)
            keys.append(name)
            key = nil
        }

        var alignment = Self.defaultAlignment
        if let a = metadata["general.alignment"] {
            key = "general.alignment"
            guard let n = a.int else { throw fail(.badAlignment("a \(a.typeName), not an integer")) }
            guard n > 0, n & (n - 1) == 0, n <= Self.maximumAlignment else {
                throw fail(.badAlignment("\(n) is not a power of two up to \(Self.maximumAlignment)"))
            }
            alignment = n
            key = nil
        }

        struct Entry { var name: String; var type: GGMLType; var dims: [Int]; var relative: UInt64; var byteCount: Int; var at: Int }
        var entries: [Entry] = []
        var names = Set<String>()
        for _ in 0..<Int(tensorCount) {
            let start = position
            let name = try string("a tensor name")
            tensor = name
            guard names.insert(name).inserted else { throw fail(.duplicateTensor, at: start) }
            let rank = try load(UInt32.self, "the number of dimensions")
            guard rank <= UInt32(limits.maxDimensions) else {
                throw fail(.tooMany(what: "number of dimensions", count: UInt64(rank), limit: limits.maxDimensions), at: start)
            }
            var raw: [UInt64] = []
            for _ in 0..<Int(rank) { raw.append(try load(UInt64.self, "a dimension")) }
            let typeNumber = try load(UInt32.self, "the tensor type")
            let relative = try load(UInt64.self, "the data offset")

            guard raw.allSatisfy({ $0 >= 1 }) else { throw fail(.badDimensions(raw), at: start) }
            let type = GGMLType(rawValue: typeNumber)
            guard let blockSize = type.blockSize, let blockBytes = type.bytesPerBlock else {
                throw fail(.unknownTensorType(typeNumber), at: start)
            }
            if requireSupportedTypes && !type.isSupported { throw fail(.unsupportedType(type), at: start) }
            var elements = 1
            var overflow = false
            var dims: [Int] = []
            for d in raw {
                guard let n = Int(exactly: d) else { overflow = true; break }
                let (p, o) = elements.multipliedReportingOverflow(by: n)
                overflow = overflow || o
                elements = p
                dims.append(n)
            }
            let (byteCount, o2) = (elements / blockSize).multipliedReportingOverflow(by: blockBytes)
            guard !overflow, !o2 else { throw fail(.sizeOverflow(raw), at: start) }
            let columns = dims.first ?? 1
            guard columns % blockSize == 0 else { throw fail(.rowNotWholeBlocks(columns: columns, type: type), at: start) }
            entries.append(Entry(name: name, type: type, dims: dims, relative: relative, byteCount: byteCount, at: start))
            tensor = nil
        }

        // The data section starts at the aligned end of the table. A file with no tensors
        // may end before that padding.
        let padded = (position + alignment - 1) / alignment * alignment
        let dataStart = min(padded, entries.isEmpty ? bytes.count : padded)
        let dataSize = max(0, bytes.count - dataStart)

        var tensors: [GGUFTensorInfo] = []
        tensors.reserveCapacity(entries.count)
        for e in entries {
            tensor = e.name
            guard e.relative % UInt64(alignment) == 0 else {
                throw fail(.misalignedOffset(offset: e.relative, alignment: alignment), at: e.at)
            }
            guard e.relative <= UInt64(dataSize), e.byteCount <= dataSize - Int(e.relative) else {
                throw fail(.offsetOutOfRange(offset: e.relative, byteCount: e.byteCount, dataSize: dataSize), at: e.at)
            }
            tensors.append(GGUFTensorInfo(name: e.name, type: e.type, dimensions: e.dims,
                                          offset: dataStart + Int(e.relative), byteCount: e.byteCount))
        }
        tensor = nil

        // Two tensors sharing bytes means a corrupt table (writers lay them end to end).
        let byOffset = tensors.filter { $0.byteCount > 0 }.sorted { ($0.offset, $0.name) < ($1.offset, $1.name) }
        for (a, b) in zip(byOffset, byOffset.dropFirst()) where a.offset + a.byteCount > b.offset {
            tensor = b.name
            throw fail(.overlapping(other: a.name))
        }
        return Header(version: version, metadata: metadata, metadataKeys: keys, tensors: tensors,
                      alignment: alignment, dataStart: dataStart)
    }
}
