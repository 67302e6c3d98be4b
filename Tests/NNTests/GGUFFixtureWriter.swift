import Foundation
import NN

/// Writes GGUF files for tests, valid by default and corruptible field by field: every
/// count, length, type number and offset can be overridden, so each bad-input test
/// changes exactly one thing of a file that is otherwise right.
struct GGUFFixtureWriter {
    struct TensorEntry {
        var name: [UInt8]
        /// ggml order: ne0 first.
        var dimensions: [UInt64]
        var type: UInt32
        var data: [UInt8]
        /// nil: laid out after the previous tensor, aligned.
        var offset: UInt64?
    }

    var magic: [UInt8] = Array("GGUF".utf8)
    var version: UInt32 = 3
    /// (key bytes, value type number, encoded value)
    var metadata: [([UInt8], UInt32, [UInt8])] = []
    var tensors: [TensorEntry] = []
    var alignment = 32
    var tensorCountOverride: UInt64?
    var metadataCountOverride: UInt64?

    mutating func add(_ key: String, _ value: GGUFValue) {
        metadata.append((Array(key.utf8), Self.typeNumber(value), Self.encode(value)))
    }

    mutating func addTensor(_ name: String, type: GGMLType, dimensions: [Int], data: [UInt8], offset: UInt64? = nil) {
        tensors.append(TensorEntry(name: Array(name.utf8), dimensions: dimensions.map(UInt64.init),
                                   type: type.rawValue, data: data, offset: offset))
    }

    func data() -> Data {
        var out: [UInt8] = magic
        Self.put(version, &out)
        Self.put(tensorCountOverride ?? UInt64(tensors.count), &out)
        Self.put(metadataCountOverride ?? UInt64(metadata.count), &out)
        for (key, type, value) in metadata {
            Self.put(UInt64(key.count), &out)
            out += key
            Self.put(type, &out)
            out += value
        }
        // Data goes where a correct writer would put it; an overridden offset changes only
        // what the table claims.
        var cursor = 0
        var placed: [Int] = []
        for t in tensors {
            placed.append(cursor)
            cursor = Int(Self.aligned(UInt64(cursor + t.data.count), alignment))
        }
        for (t, at) in zip(tensors, placed) {
            Self.put(UInt64(t.name.count), &out)
            out += t.name
            Self.put(UInt32(t.dimensions.count), &out)
            for d in t.dimensions { Self.put(d, &out) }
            Self.put(t.type, &out)
            Self.put(t.offset ?? UInt64(at), &out)
        }
        while out.count % alignment != 0 { out.append(0) }
        let dataStart = out.count
        for (t, at) in zip(tensors, placed) {
            out += [UInt8](repeating: 0, count: dataStart + at - out.count)
            out += t.data
        }
        if !tensors.isEmpty { while out.count % alignment != 0 { out.append(0) } }
        return Data(out)
    }

    func write(to url: URL) throws { try data().write(to: url) }

    // MARK: Encoding

    static func aligned(_ n: UInt64, _ a: Int) -> UInt64 { (n + UInt64(a) - 1) / UInt64(a) * UInt64(a) }

    static func put<T: FixedWidthInteger>(_ v: T, _ out: inout [UInt8]) {
        withUnsafeBytes(of: v.littleEndian) { out += $0 }
    }

    static func typeNumber(_ v: GGUFValue) -> UInt32 {
        switch v {
        case .uint8: return 0
        case .int8: return 1
        case .uint16: return 2
        case .int16: return 3
        case .uint32: return 4
        case .int32: return 5
        case .float32: return 6
        case .bool: return 7
        case .string: return 8
        case .array: return 9
        case .uint64: return 10
        case .int64: return 11
        case .float64: return 12
        }
    }

    static func encodeString(_ s: String) -> [UInt8] {
        var out: [UInt8] = []
        put(UInt64(s.utf8.count), &out)
        return out + Array(s.utf8)
    }

    static func encode(_ v: GGUFValue) -> [UInt8] {
        var out: [UInt8] = []
        switch v {
        case .uint8(let x): put(x, &out)
        case .int8(let x): put(x, &out)
        case .uint16(let x): put(x, &out)
        case .int16(let x): put(x, &out)
        case .uint32(let x): put(x, &out)
        case .int32(let x): put(x, &out)
        case .uint64(let x): put(x, &out)
        case .int64(let x): put(x, &out)
        case .float32(let x): put(x.bitPattern, &out)
        case .float64(let x): put(x.bitPattern, &out)
        case .bool(let b): out.append(b ? 1 : 0)
        case .string(let s): out = encodeString(s)
        case .array(let items):
            put(items.first.map(typeNumber) ?? 4, &out)
            put(UInt64(items.count), &out)
            for item in items { out += encode(item) }
        }
        return out
    }

    // MARK: Tensor data

    static func f32(_ xs: [Float]) -> [UInt8] {
        var out: [UInt8] = []
        for x in xs { put(x.bitPattern, &out) }
        return out
    }

    static func f16(_ xs: [Float]) -> [UInt8] {
        var out: [UInt8] = []
        for x in xs { put(Float16(x).bitPattern, &out) }
        return out
    }

    static func bf16(_ xs: [Float]) -> [UInt8] {
        var out: [UInt8] = []
        for x in xs { put(UInt16(x.bitPattern >> 16), &out) }  // truncation: exact for the values tests use
        return out
    }

    /// One Q8_0 block: scale d, 32 signed values.
    static func q8_0(d: Float16, _ q: [Int8]) -> [UInt8] {
        precondition(q.count == 32)
        var out: [UInt8] = []
        put(d.bitPattern, &out)
        for v in q { put(v, &out) }
        return out
    }

    /// One Q4_0 block: scale d, 32 values 0...15 (element j stored in the low nibble of
    /// byte j for j < 16, in the high nibble of byte j − 16 after).
    static func q4_0(d: Float16, _ n: [UInt8]) -> [UInt8] {
        precondition(n.count == 32 && n.allSatisfy { $0 < 16 })
        var out: [UInt8] = []
        put(d.bitPattern, &out)
        for j in 0..<16 { out.append(n[j] | n[j + 16] << 4) }
        return out
    }

    /// One Q4_1 block: scale d, minimum m, 32 values 0...15 packed as in Q4_0.
    static func q4_1(d: Float16, m: Float16, _ n: [UInt8]) -> [UInt8] {
        precondition(n.count == 32 && n.allSatisfy { $0 < 16 })
        var out: [UInt8] = []
        put(d.bitPattern, &out)
        put(m.bitPattern, &out)
        for j in 0..<16 { out.append(n[j] | n[j + 16] << 4) }
        return out
    }
}
