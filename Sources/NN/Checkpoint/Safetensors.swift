import AtomicIO
import Foundation
import Tensor

/// Reads and writes the safetensors format (huggingface/safetensors):
///
///     [8 bytes: header length N, little-endian u64]
///     [N bytes: JSON {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]},
///                     ..., "__metadata__": {"key": "value"}}, space-padded]
///     [data: raw little-endian values; offsets relative to here, contiguous, in order]
///
/// F32, F16 and BF16 are read (into Float32); F32 is written. Writes are atomic.
public enum Safetensors {
    /// Headers beyond this are refused before allocating (the reference library's limit).
    public static let maximumHeaderLength = 100_000_000

    // MARK: Reading

    public static func read(_ url: URL) throws -> SafetensorsFile {
        let data: Data
        do {
            // Only a regular file (a FIFO would block, /dev/zero never end); mapped, not read.
            close(try FileBytes.openRegular(url.path, forReading: true))
            data = try Data(contentsOf: url, options: .mappedIfSafe)
        } catch let failure as FileBytes.Failure {
            throw SafetensorsError(file: url.path, reason: .io(failure.reason))
        } catch {
            throw SafetensorsError(file: url.path, reason: .io("cannot read: \(error.localizedDescription)"))
        }
        return try decode(data, path: url.path)
    }

    /// Parses and validates a whole file's bytes; `path` names it in errors.
    public static func decode(_ data: Data, path: String = "<memory>") throws -> SafetensorsFile {
        func fail(_ tensor: String?, _ reason: SafetensorsError.Reason) -> SafetensorsError {
            SafetensorsError(file: path, tensor: tensor, reason: reason)
        }
        func fail(_ reason: SafetensorsError.Reason) -> SafetensorsError { fail(nil, reason) }
        guard data.count >= 8 else { throw fail(.truncatedHeaderLength(fileSize: data.count)) }
        let headerLength = data.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard headerLength <= UInt64(data.count - 8), headerLength <= UInt64(maximumHeaderLength) else {
            throw fail(.headerLengthBeyondFile(headerLength: headerLength, fileSize: data.count))
        }
        let dataStart = 8 + Int(headerLength)
        let headerBytes = data.subdata(in: data.startIndex + 8 ..< data.startIndex + dataStart)
        guard headerBytes.first == UInt8(ascii: "{") else {
            throw fail(.badJSON("header does not start with '{'"))
        }
        // The header nests 3 deep; the JSON parser recurses, so a hostile one must not.
        let depth = headerBytes.withUnsafeBytes { JSONNesting.depth($0, limit: 16) }
        guard depth <= 16 else { throw fail(.badJSON("nested more than 16 levels deep (a header nests 3)")) }
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: headerBytes)
        } catch {
            let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? error.localizedDescription
            throw fail(.badJSON(String(detail.prefix(200))))
        }
        guard let object = json as? [String: Any] else { throw fail(.badJSON("header is not a JSON object")) }

        var metadata: [String: String] = [:]
        if let raw = object["__metadata__"] {
            guard let m = raw as? [String: String] else {
                throw fail(.badJSON("__metadata__ must map strings to strings"))
            }
            metadata = m
        }

        struct Header { var name: String; var dtype: SafetensorsDType; var shape: [Int]; var begin: Int; var end: Int }
        let dataSize = data.count - dataStart
        var headers: [Header] = []
        for (name, value) in object where name != "__metadata__" {
            guard let entry = value as? [String: Any] else { throw fail(name, .badEntry("not a JSON object")) }
            guard let dtypeName = entry["dtype"] as? String else { throw fail(name, .badEntry("no string 'dtype'")) }
            guard let shape = integers(entry["shape"]), shape.allSatisfy({ $0 >= 0 }) else {
                throw fail(name, .badEntry("'shape' must be a list of non-negative integers"))
            }
            guard let offsets = integers(entry["data_offsets"]), offsets.count == 2 else {
                throw fail(name, .badEntry("'data_offsets' must be two integers"))
            }
            guard let dtype = SafetensorsDType(rawValue: dtypeName) else { throw fail(name, .unsupportedDType(dtypeName)) }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, begin <= end, end <= dataSize else {
                throw fail(name, .offsetsOutOfRange(begin: begin, end: end, dataSize: dataSize))
            }
            let (elements, overflow) = shape.reduce((1, false)) { acc, d in
                let (p, o) = acc.0.multipliedReportingOverflow(by: d)
                return (p, acc.1 || o)
            }
            let (bytes, bytesOverflow) = elements.multipliedReportingOverflow(by: dtype.byteSize)
            let expected = overflow || bytesOverflow ? Int.max : bytes
            guard !overflow, !bytesOverflow, expected == end - begin else {
                throw fail(name, .byteLengthMismatch(expected: expected, actual: end - begin))
            }
            headers.append(Header(name: name, dtype: dtype, shape: shape, begin: begin, end: end))
        }

        // The format requires the tensors to tile the data section exactly.
        headers.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        var cursor = 0
        var previous: String?
        for h in headers {
            if h.begin < cursor { throw fail(h.name, .overlapping(other: previous ?? "?")) }
            if h.begin > cursor { throw fail(h.name, .gap(at: cursor)) }
            cursor = h.end
            previous = h.name
        }
        if cursor != dataSize { throw fail(previous, .gap(at: cursor)) }

        var entries: [SafetensorsFile.Entry] = []
        entries.reserveCapacity(headers.count)
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            for h in headers {
                let t = Tensor.empty(h.shape)
                h.dtype.decode(raw.baseAddress! + dataStart + h.begin, count: t.count, into: t.pointer)
                entries.append(SafetensorsFile.Entry(name: h.name, tensor: t, dtype: h.dtype))
            }
        }
        return SafetensorsFile(path: path, entries: entries, metadata: metadata)
    }

    /// JSON numbers as Ints, refusing fractions and non-numbers.
    private static func integers(_ value: Any?) -> [Int]? {
        guard let list = value as? [Any] else { return nil }
        var out: [Int] = []
        for v in list {
            guard let n = v as? NSNumber, let i = Int(exactly: n.doubleValue) else { return nil }
            out.append(i)
        }
        return out
    }

    // MARK: Writing

    /// Writes F32 tensors in the given order, with optional string metadata, atomically.
    public static func write(_ tensors: [(String, Tensor)], metadata: [String: String] = [:], to url: URL) throws {
        let data = try encode(tensors, metadata: metadata, path: url.path)
        do {
            try AtomicFile.write(data, to: url)
        } catch {
            throw SafetensorsError(file: url.path, reason: .io("\(error)"))
        }
    }

    /// The bytes of a file holding `tensors` as F32. Deterministic: same input, same bytes.
    public static func encode(_ tensors: [(String, Tensor)], metadata: [String: String] = [:],
                              path: String = "<memory>") throws -> Data {
        var seen = Set<String>()
        var json = "{"
        var fields: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(quoted($0)):\(quoted(metadata[$0]!))" }
            fields.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for (name, t) in tensors {
            guard name != "__metadata__", seen.insert(name).inserted else {
                throw SafetensorsError(file: path, tensor: name, reason: .duplicateName)
            }
            let bytes = t.count * 4
            let shape = t.shape.map(String.init).joined(separator: ",")
            fields.append("\(quoted(name)):{\"dtype\":\"F32\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + bytes)]}")
            offset += bytes
        }
        json += fields.joined(separator: ",") + "}"
        var header = Array(json.utf8)
        // Pad with spaces so the data starts 8-byte aligned, as the reference writer does.
        while (8 + header.count) % 8 != 0 { header.append(UInt8(ascii: " ")) }

        var data = Data(capacity: 8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: header)
        for (_, t) in tensors {
            // Little-endian host: the floats are their own encoding.
            data.append(UnsafeBufferPointer(start: t.pointer, count: t.count))
        }
        return data
    }

    /// A JSON string literal.
    private static func quoted(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20: out += String(format: "\\u%04x", u.value)
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }

    // MARK: Loading into parameters

    /// Reads `url` and copies its tensors into `parameters`; see `SafetensorsFile.load`.
    @discardableResult
    public static func load(_ url: URL, into parameters: [(String, Tensor)], strict: Bool = true) throws -> SafetensorsFile.LoadReport {
        try read(url).load(into: parameters, strict: strict)
    }
}
