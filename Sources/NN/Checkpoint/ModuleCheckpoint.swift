import Foundation
import Tensor

/// A module's parameters to and from a safetensors file, named by their dotted paths, so
/// the file opens in PyTorch as a state dict.
extension Module {
    /// Writes every parameter (frozen ones included) atomically.
    public func save(to url: URL, metadata: [String: String] = [:]) throws {
        try Safetensors.write(parameters(), metadata: metadata, to: url)
    }

    /// Loads the parameters from `url`; see `SafetensorsFile.load(into:strict:)`.
    @discardableResult
    public func load(from url: URL, strict: Bool = true) throws -> SafetensorsFile.LoadReport {
        try Safetensors.load(url, into: parameters(), strict: strict)
    }
}
