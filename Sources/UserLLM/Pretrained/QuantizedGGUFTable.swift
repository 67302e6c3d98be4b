import Foundation

/// The part of a GGUF file the quantised decoder needs: the llama.* numbers and the tensor
/// table, over a read-only memory map of the whole file. A stand-in until the full reader
/// (NN's GGUFFile) lands; every malformed field throws an error naming the file and field.
final class QuantizedGGUFTable {
    struct TensorEntry {
        var type: UInt32
        var dimensions: [Int]
        var offset: Int
    }

    let url: URL
    let base: UnsafeRawPointer
    let size: Int
    private(set) var numbers: [String: Double] = [:]
    private(set) var tensors: [String: TensorEntry] = [:]
    private(set) var dataOffset = 0

    struct FormatError: Error, CustomStringConvertible {
        var description: String
    }

    init(url: URL) throws {
        self.url = url
        let fd = open(url.path, O_RDONLY)
        guard fd >= 0 else { throw FormatError(description: "\(url.path): cannot open (\(String(cString: strerror(errno))))") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_size >= 24 else { throw FormatError(description: "\(url.path): too short for a GGUF header") }
        size = Int(st.st_size)
        guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
            throw FormatError(description: "\(url.path): mmap failed")
        }
        base = UnsafeRawPointer(p)
        do { try parse() } catch { munmap(UnsafeMutableRawPointer(mutating: base), size); throw error }
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: base), size) }

    private func fail(_ what: String) -> FormatError { FormatError(description: "\(url.path): \(what)") }

    private func parse() throws {
        var pos = 0
        func need(_ n: Int, _ what: String) throws {
            guard n >= 0, pos + n <= size else { throw fail("truncated reading \(what) at byte \(pos)") }
        }
        func u32(_ what: String) throws -> UInt32 { try need(4, what); defer { pos += 4 }; return base.loadUnaligned(fromByteOffset: pos, as: UInt32.self) }
        func u64(_ what: String) throws -> UInt64 { try need(8, what); defer { pos += 8 }; return base.loadUnaligned(fromByteOffset: pos, as: UInt64.self) }
        func string(_ what: String) throws -> String {
            let n = try u64(what)
            guard n < 1 << 24 else { throw fail("absurd string length \(n) in \(what)") }
            try need(Int(n), what)
            defer { pos += Int(n) }
            return String(decoding: UnsafeRawBufferPointer(start: base + pos, count: Int(n)), as: UTF8.self)
        }
        let scalarSizes: [UInt32: Int] = [0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8]
        func number(_ type: UInt32) -> Double {
            switch type {
            case 0: return Double(base.load(fromByteOffset: pos, as: UInt8.self))
            case 1: return Double(base.load(fromByteOffset: pos, as: Int8.self))
            case 2: return Double(base.loadUnaligned(fromByteOffset: pos, as: UInt16.self))
            case 3: return Double(base.loadUnaligned(fromByteOffset: pos, as: Int16.self))
            case 4: return Double(base.loadUnaligned(fromByteOffset: pos, as: UInt32.self))
            case 5: return Double(base.loadUnaligned(fromByteOffset: pos, as: Int32.self))
            case 6: return Double(base.loadUnaligned(fromByteOffset: pos, as: Float.self))
            case 7: return Double(base.load(fromByteOffset: pos, as: UInt8.self))
            case 10: return Double(base.loadUnaligned(fromByteOffset: pos, as: UInt64.self))
            case 11: return Double(base.loadUnaligned(fromByteOffset: pos, as: Int64.self))
            default: return base.loadUnaligned(fromByteOffset: pos, as: Double.self)
            }
        }
        func skip(_ type: UInt32, _ key: String, depth: Int = 0) throws {
            if let n = scalarSizes[type] { try need(n, key); pos += n; return }
            if type == 8 { _ = try string(key); return }
            guard type == 9, depth < 4 else { throw fail("metadata \(key): unknown value type \(type)") }
            let inner = try u32(key), count = try u64(key)
            guard count < 1 << 28 else { throw fail("metadata \(key): absurd array length \(count)") }
            if let n = scalarSizes[inner] { try need(n * Int(count), key); pos += n * Int(count); return }
            for _ in 0..<count { try skip(inner, key, depth: depth + 1) }
        }

        try need(4, "magic")
        guard base.loadUnaligned(as: UInt32.self) == 0x4655_4747 else { throw fail("not a GGUF file (bad magic)") }
        pos = 4
        let version = try u32("version")
        guard version == 2 || version == 3 else { throw fail("unsupported GGUF version \(version)") }
        let tensorCount = try u64("tensor count"), kvCount = try u64("metadata count")
        guard tensorCount < 1 << 20, kvCount < 1 << 20 else { throw fail("absurd tensor or metadata count") }
        for _ in 0..<kvCount {
            let key = try string("metadata key"), type = try u32("type of \(key)")
            if let n = scalarSizes[type] {
                try need(n, key)
                numbers[key] = number(type)
                pos += n
            } else {
                try skip(type, key)
            }
        }
        var entries: [String: TensorEntry] = [:]
        for _ in 0..<tensorCount {
            let name = try string("tensor name"), dims = try u32("dimensions of \(name)")
            guard dims >= 1, dims <= 4 else { throw fail("tensor \(name): \(dims) dimensions") }
            var shape: [Int] = []
            for _ in 0..<dims {
                let d = try u64("shape of \(name)")
                guard d > 0, d < 1 << 32 else { throw fail("tensor \(name): absurd dimension \(d)") }
                shape.append(Int(d))
            }
            let type = try u32("type of \(name)"), offset = try u64("offset of \(name)")
            guard offset < UInt64(size) else { throw fail("tensor \(name): offset \(offset) past the file") }
            entries[name] = TensorEntry(type: type, dimensions: shape, offset: Int(offset))
        }
        let alignment = Int(numbers["general.alignment"] ?? 32)
        guard alignment > 0, alignment & (alignment - 1) == 0 else { throw fail("general.alignment \(alignment) is not a power of two") }
        dataOffset = (pos + alignment - 1) / alignment * alignment
        tensors = entries
    }

    func int(_ key: String) throws -> Int {
        guard let v = numbers[key] else { throw fail("missing metadata key \(key)") }
        return Int(v)
    }

    func double(_ key: String) throws -> Double {
        guard let v = numbers[key] else { throw fail("missing metadata key \(key)") }
        return v
    }

    /// The bytes of tensor `name`, checked to hold `bytes` within the file.
    func bytes(of name: String, count: Int) throws -> (TensorEntry, UnsafeRawBufferPointer) {
        guard let t = tensors[name] else { throw fail("missing tensor \(name)") }
        let start = dataOffset + t.offset
        guard start + count <= size else { throw fail("tensor \(name): \(count) bytes at \(start) run past the file end \(size)") }
        return (t, UnsafeRawBufferPointer(start: base + start, count: count))
    }
}
