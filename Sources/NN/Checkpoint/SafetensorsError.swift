/// Why a safetensors file could not be read, written or loaded, naming the file and, where
/// one is at fault, the tensor.
public struct SafetensorsError: Error, Equatable, CustomStringConvertible {
    public enum Reason: Equatable, Sendable {
        /// Fewer than the 8 bytes of the header length.
        case truncatedHeaderLength(fileSize: Int)
        /// The header length points past the end of the file (or is absurdly large).
        case headerLengthBeyondFile(headerLength: UInt64, fileSize: Int)
        /// The header is not a JSON object of the expected form.
        case badJSON(String)
        /// A tensor's entry lacks a field or has one of the wrong type.
        case badEntry(String)
        case unsupportedDType(String)
        /// `data_offsets` point outside the data section (the file is truncated, say).
        case offsetsOutOfRange(begin: Int, end: Int, dataSize: Int)
        /// Two tensors share bytes.
        case overlapping(other: String)
        /// Bytes between tensors or after the last that no tensor owns.
        case gap(at: Int)
        /// shape × dtype size disagrees with the byte length the offsets give.
        case byteLengthMismatch(expected: Int, actual: Int)
        /// Loading into parameters: a parameter the file does not hold.
        case missingTensor
        /// Loading into parameters (strict): a tensor no parameter takes.
        case unexpectedTensor
        /// Loading into parameters: the file's shape differs from the parameter's.
        case shapeMismatch(expected: [Int], found: [Int])
        /// The tensor name appears twice in what is being written.
        case duplicateName
        /// The operating system refused (open, write, fsync, rename).
        case io(String)
    }

    public var file: String
    public var tensor: String?
    public var reason: Reason

    public init(file: String, tensor: String? = nil, reason: Reason) {
        self.file = file
        self.tensor = tensor
        self.reason = reason
    }

    public var description: String {
        // A hostile header may name a tensor with 10 MB of text: quote at most 200 characters.
        let what = tensor.map { "tensor '\($0.count > 200 ? String($0.prefix(200)) + "…" : $0)': " } ?? ""
        return "\(file): \(what)\(reason.explanation)"
    }
}

extension SafetensorsError.Reason {
    var explanation: String {
        switch self {
        case .truncatedHeaderLength(let size):
            return "truncated: \(size) bytes, fewer than the 8-byte header length"
        case .headerLengthBeyondFile(let length, let size):
            return "header length \(length) goes beyond the file (\(size) bytes)"
        case .badJSON(let why): return "bad JSON header: \(why)"
        case .badEntry(let why): return "bad header entry: \(why)"
        case .unsupportedDType(let d): return "unsupported dtype \(d) (readable: F32, F16, BF16)"
        case .offsetsOutOfRange(let b, let e, let size):
            return "data_offsets [\(b), \(e)] out of range of the \(size)-byte data section (truncated file?)"
        case .overlapping(let other): return "data overlaps tensor '\(other)'"
        case .gap(let at): return "data section has bytes no tensor owns at offset \(at)"
        case .byteLengthMismatch(let expected, let actual):
            return "shape × dtype size is \(expected) bytes but data_offsets span \(actual)"
        case .missingTensor: return "missing from the file"
        case .unexpectedTensor: return "in the file but not among the parameters (strict load)"
        case .shapeMismatch(let expected, let found): return "shape \(found) in the file, parameter has \(expected)"
        case .duplicateName: return "name given twice"
        case .io(let why): return why
        }
    }
}
