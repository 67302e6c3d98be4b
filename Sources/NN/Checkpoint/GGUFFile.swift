import Foundation
import Tensor
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A GGUF file (ggml's model format: metadata, a tensor table, then the tensor data),
/// memory-mapped read-only. Opening reads and checks the header and the table only; the
/// tensor data is paged in when `bytes(of:)` or `dequantized(_:)` touches it, so quantized
/// weights can be used in place.
///
/// The class is immutable after `init`, so one instance may be shared across threads.
public final class GGUFFile: @unchecked Sendable {
    public let url: URL
    public let version: UInt32
    public let metadata: [String: GGUFValue]
    /// In file order.
    public let metadataKeys: [String]
    /// In table order (not necessarily data order).
    public let tensors: [GGUFTensorInfo]
    public let alignment: Int
    /// Absolute offset of the data section (the aligned end of the tensor table).
    public let dataOffset: Int
    public let fileSize: Int

    private let base: UnsafeRawPointer?
    private let index: [String: Int]

    /// Maps and parses `url`. With `requireSupportedTypes` (the default) a tensor of a type
    /// the engine cannot decode is an error here, naming it; without, such files open (to
    /// list them) and only `dequantized` refuses.
    public init(url: URL, limits: GGUFLimits = .default, requireSupportedTypes: Bool = true) throws {
        self.url = url
        let path = url.path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw GGUFError(file: path, reason: .io("cannot open: \(String(cString: strerror(errno)))"))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw GGUFError(file: path, reason: .io("cannot stat: \(String(cString: strerror(errno)))"))
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw GGUFError(file: path, reason: .io("not a regular file")) }
        let size = Int(info.st_size)
        var mapped: UnsafeRawPointer? = nil
        if size > 0 {
            // MAP_PRIVATE + PROT_READ: pages come from the page cache and are shared with
            // any other process mapping the same file; nothing is copied.
            let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
            guard let p, p != MAP_FAILED else {
                throw GGUFError(file: path, reason: .io("cannot map: \(String(cString: strerror(errno)))"))
            }
            mapped = UnsafeRawPointer(p)
        }
        let buffer = UnsafeRawBufferPointer(start: mapped, count: size)
        var parser = GGUFParser(bytes: buffer, path: path, limits: limits, requireSupportedTypes: requireSupportedTypes)
        let header: GGUFParser.Header
        do {
            header = try parser.parse()
        } catch {
            if let mapped { munmap(UnsafeMutableRawPointer(mutating: mapped), size) }
            throw error
        }
        base = mapped
        fileSize = size
        version = header.version
        metadata = header.metadata
        metadataKeys = header.metadataKeys
        tensors = header.tensors
        alignment = header.alignment
        dataOffset = header.dataStart
        var index: [String: Int] = [:]
        for (i, t) in header.tensors.enumerated() { index[t.name] = i }
        self.index = index
    }

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), fileSize) }
    }

    // MARK: Tensors

    public func tensor(_ name: String) -> GGUFTensorInfo? {
        index[name].map { tensors[$0] }
    }

    /// The named tensor's table entry, or an error naming it.
    public func requireTensor(_ name: String) throws -> GGUFTensorInfo {
        guard let t = tensor(name) else { throw GGUFError(file: url.path, tensor: name, reason: .missingTensor) }
        return t
    }

    /// The tensor's bytes in the map, as stored (quantized blocks for a quantized type).
    /// Valid while this object lives.
    public func bytes(of tensor: GGUFTensorInfo) -> UnsafeRawBufferPointer {
        precondition(tensor.offset >= dataOffset && tensor.offset + tensor.byteCount <= fileSize,
                     "tensor '\(tensor.name)' is not from this file")
        return UnsafeRawBufferPointer(start: base! + tensor.offset, count: tensor.byteCount)
    }

    /// The named tensor decoded to Float32, shaped as the engine (and PyTorch) sees it:
    /// the ggml dimensions reversed, so a matrix is (ne1, ne0) = (out, in) and a vector (ne0).
    public func dequantized(_ name: String) throws -> Tensor {
        let t = try requireTensor(name)
        guard t.type.isSupported else {
            throw GGUFError(file: url.path, tensor: name, reason: .unsupportedType(t.type))
        }
        let out = Tensor.empty(t.shape)
        dequantize(t, rows: 0..<t.rows, into: out.pointer)
        return out
    }

    /// Decodes rows `rows` (of `tensor.columns` elements each) into `out`, which holds
    /// `rows.count × columns` floats: an embedding lookup reads only the rows it needs.
    public func dequantize(_ tensor: GGUFTensorInfo, rows: Range<Int>, into out: UnsafeMutablePointer<Float>) {
        precondition(tensor.type.isSupported, "\(tensor.type.name) is not supported")
        precondition(rows.lowerBound >= 0 && rows.upperBound <= tensor.rows, "rows \(rows) outside 0..<\(tensor.rows)")
        let source = bytes(of: tensor).baseAddress! + rows.lowerBound * tensor.bytesPerRow
        GGUFDequantize.row(tensor.type, from: source, into: out, count: rows.count * tensor.columns)
    }

    /// Elements in all tensors (the model's parameter count).
    public var parameterCount: Int { tensors.reduce(0) { $0 + $1.elementCount } }

    /// Bytes of tensor data, as stored.
    public var tensorBytes: Int { tensors.reduce(0) { $0 + $1.byteCount } }

    // MARK: Metadata

    public func requireValue(_ key: String) throws -> GGUFValue {
        guard let v = metadata[key] else { throw GGUFError(file: url.path, key: key, reason: .missingKey) }
        return v
    }

    public func requireInt(_ key: String) throws -> Int {
        let v = try requireValue(key)
        guard let n = v.int else { throw wrongType(key, "an integer", v) }
        return n
    }

    public func requireFloat(_ key: String) throws -> Double {
        let v = try requireValue(key)
        guard let x = v.float else { throw wrongType(key, "a number", v) }
        return x
    }

    public func requireString(_ key: String) throws -> String {
        let v = try requireValue(key)
        guard let s = v.string else { throw wrongType(key, "a string", v) }
        return s
    }

    public func requireBool(_ key: String) throws -> Bool {
        let v = try requireValue(key)
        guard let b = v.bool else { throw wrongType(key, "a bool", v) }
        return b
    }

    public func requireStringArray(_ key: String) throws -> [String] {
        let v = try requireValue(key)
        guard let items = v.array else { throw wrongType(key, "an array of strings", v) }
        var out: [String] = []
        out.reserveCapacity(items.count)
        for item in items {
            guard let s = item.string else { throw wrongType(key, "an array of strings", v) }
            out.append(s)
        }
        return out
    }

    public func requireIntArray(_ key: String) throws -> [Int] {
        let v = try requireValue(key)
        guard let items = v.array else { throw wrongType(key, "an array of integers", v) }
        var out: [Int] = []
        out.reserveCapacity(items.count)
        for item in items {
            guard let n = item.int else { throw wrongType(key, "an array of integers", v) }
            out.append(n)
        }
        return out
    }

    private func wrongType(_ key: String, _ expected: String, _ found: GGUFValue) -> GGUFError {
        GGUFError(file: url.path, key: key, reason: .wrongKeyType(expected: expected, found: found.typeName))
    }
}
