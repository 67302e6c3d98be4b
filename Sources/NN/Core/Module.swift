import Tensor

/// A piece of a network that owns parameters, possibly through child modules.
///
/// Parameters are named by dotted paths as PyTorch's `state_dict` names them
/// ("blocks.0.attn.wq.weight"), so a checkpoint maps 1:1 onto a PyTorch mirror of the model.
/// A composite module lists its children's parameters under the child's name with
/// `child.parameters(prefix: "name")`. A tensor shared by two places (tied embeddings) is
/// listed once.
public protocol Module: AnyObject {
    /// Every parameter under this module with its dotted name, in a fixed order.
    func parameters() -> [(String, Tensor)]
}

/// Why a set of named tensors could not be loaded into a module.
public enum ModuleLoadError: Error, CustomStringConvertible, Equatable {
    case missing(String)
    case unexpected(String)
    case shapeMismatch(name: String, expected: [Int], found: [Int])

    public var description: String {
        switch self {
        case .missing(let name): return "parameter \(name) is missing from the loaded tensors"
        case .unexpected(let name): return "loaded tensor \(name) is not a parameter of the model"
        case .shapeMismatch(let name, let expected, let found):
            return "parameter \(name) has shape \(expected) but the loaded tensor has \(found)"
        }
    }
}

extension Module {
    /// This module's parameters with `prefix.` in front of each name.
    public func parameters(prefix: String) -> [(String, Tensor)] {
        parameters().map { ("\(prefix).\($0.0)", $0.1) }
    }

    /// Parameters by name.
    public func namedParameters() -> [String: Tensor] {
        Dictionary(parameters(), uniquingKeysWith: { first, _ in first })
    }

    /// The number of scalars over all parameters (frozen ones included).
    public var parameterCount: Int { parameters().reduce(0) { $0 + $1.1.count } }

    /// The number of scalars that currently receive gradients.
    public var trainableParameterCount: Int {
        parameters().reduce(0) { $0 + ($1.1.requiresGrad ? $1.1.count : 0) }
    }

    /// Stops gradients to every parameter under this module (AdamW then skips them).
    public func freeze() { for (_, p) in parameters() { p.requiresGrad = false } }

    /// Lets gradients reach every parameter under this module again.
    public func unfreeze() { for (_, p) in parameters() { p.requiresGrad = true } }

    /// Clears every parameter's gradient before the next accumulation.
    public func zeroGrad() { for (_, p) in parameters() { p.zeroGrad() } }

    /// Copies named values into the parameters (a checkpoint load). `strict`: every
    /// parameter must be present and nothing else; otherwise only matching names are copied
    /// (a pretrained LLM into a model that adds cross-attention, say). Shapes must agree.
    /// Returns the names of the parameters that were loaded. Nothing is written on error.
    @discardableResult
    public func loadParameters(_ values: [String: Tensor], strict: Bool = true) throws -> [String] {
        let params = parameters()
        var loaded: [(Tensor, Tensor)] = []
        var names: [String] = []
        for (name, p) in params {
            guard let value = values[name] else {
                if strict { throw ModuleLoadError.missing(name) }
                continue
            }
            guard value.shape == p.shape else {
                throw ModuleLoadError.shapeMismatch(name: name, expected: p.shape, found: value.shape)
            }
            loaded.append((p, value))
            names.append(name)
        }
        if strict {
            let known = Set(params.map(\.0))
            if let extra = values.keys.sorted().first(where: { !known.contains($0) }) {
                throw ModuleLoadError.unexpected(extra)
            }
        }
        for (p, value) in loaded { p.pointer.update(from: value.pointer, count: p.count) }
        return names
    }
}
