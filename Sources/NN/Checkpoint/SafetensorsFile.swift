import Tensor

/// The contents of a safetensors file, every tensor converted to Float32.
public struct SafetensorsFile {
    public struct Entry {
        public var name: String
        public var tensor: Tensor
        /// The element type on disk (the tensor itself is always Float32).
        public var dtype: SafetensorsDType

        public init(name: String, tensor: Tensor, dtype: SafetensorsDType) {
            self.name = name
            self.tensor = tensor
            self.dtype = dtype
        }
    }

    /// What a load into parameters did; in a non-strict load, `missing` and `unexpected`
    /// say what was skipped.
    public struct LoadReport: Equatable {
        public var loaded: [String]
        /// Parameters the file does not hold (left as they were).
        public var missing: [String]
        /// Tensors in the file no parameter takes.
        public var unexpected: [String]

        public init(loaded: [String], missing: [String], unexpected: [String]) {
            self.loaded = loaded
            self.missing = missing
            self.unexpected = unexpected
        }
    }

    /// The file these came from, for error messages.
    public var path: String
    /// In the order of their data in the file.
    public var entries: [Entry]
    /// The header's optional `__metadata__` (string to string, per the format).
    public var metadata: [String: String]

    public var names: [String] { entries.map(\.name) }

    public subscript(name: String) -> Tensor? { entries.first { $0.name == name }?.tensor }

    /// The tensors whose names start with `prefix`, the prefix removed: one part of a file
    /// holding several (a run's "model." and "optimizer." tensors, a fixture's "grad.").
    public func withPrefix(_ prefix: String) -> SafetensorsFile {
        let kept = entries.filter { $0.name.hasPrefix(prefix) }.map {
            Entry(name: String($0.name.dropFirst(prefix.count)), tensor: $0.tensor, dtype: $0.dtype)
        }
        return SafetensorsFile(path: path + " [\(prefix)*]", entries: kept, metadata: metadata)
    }

    /// The named tensor, or an error naming it when the file lacks it.
    public func tensor(_ name: String) throws -> Tensor {
        guard let t = self[name] else { throw SafetensorsError(file: path, tensor: name, reason: .missingTensor) }
        return t
    }

    /// Copies the file's tensors into `parameters` (as `Module.parameters()` returns them),
    /// matching by name. Every check runs before any value is copied, so a failed load
    /// leaves the parameters untouched.
    ///
    /// - strict: every parameter must be in the file and every tensor must be a parameter
    ///   (a resumed run). Non-strict loads the names both have (fine-tuning from a
    ///   pretrained LLM into a model with extra fusion layers); shapes must still agree.
    @discardableResult
    public func load(into parameters: [(String, Tensor)], strict: Bool = true) throws -> LoadReport {
        var byName: [String: Tensor] = [:]
        for e in entries { byName[e.name] = e.tensor }
        var report = LoadReport(loaded: [], missing: [], unexpected: [])
        var taken = Set<String>()
        var plan: [(Tensor, Tensor)] = []
        for (name, parameter) in parameters {
            guard let source = byName[name] else {
                if strict { throw SafetensorsError(file: path, tensor: name, reason: .missingTensor) }
                report.missing.append(name)
                continue
            }
            guard source.shape == parameter.shape else {
                throw SafetensorsError(file: path, tensor: name,
                                       reason: .shapeMismatch(expected: parameter.shape, found: source.shape))
            }
            taken.insert(name)
            plan.append((parameter, source))
            report.loaded.append(name)
        }
        report.unexpected = entries.map(\.name).filter { !taken.contains($0) }
        if strict, let first = report.unexpected.first {
            throw SafetensorsError(file: path, tensor: first, reason: .unexpectedTensor)
        }
        for (parameter, source) in plan { parameter.assign(source) }
        return report
    }
}
