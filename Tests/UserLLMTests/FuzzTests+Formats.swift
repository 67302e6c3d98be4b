import Foundation
import NN
import UserLLM

extension FuzzTests {
    /// Readers beyond the built-in list: GGUF model files. A mutated file either opens or is
    /// refused with a typed error; one that opens must decode every tensor it lists and, for
    /// the llama fixture, build the model or refuse with `PretrainedLLMError`.
    static func extraTargets(_ fixtures: URL) -> [Target] {
        var out: [Target] = []
        for name in ["gguf/dequant.gguf", "llama-gguf/ok.gguf"] {
            guard let bytes = try? [UInt8](Data(contentsOf: fixtures.appendingPathComponent(name))) else { continue }
            let isLlama = name.hasPrefix("llama")
            out.append(Target(name: name, files: ["model.gguf": bytes], read: { url in
                let file = try GGUFFile(url: url)
                for tensor in file.tensors { _ = try file.dequantized(tensor.name) }
                if isLlama { _ = try PretrainedLLM(file: file) }
            }, folder: false))
        }
        return out
    }
}
