/// Which features RoPE turns together. Both turn pair i by θ = position · base^(−2i/D); they
/// differ only in where the pair's two features sit in a head.
public enum RotaryStyle: String, Codable, Sendable, CaseIterable {
    /// Feature i pairs with i + D/2 (HF Llama's rotate_half). Our own models use it.
    case half
    /// Features 2i and 2i+1 pair (the original RoFormer / Meta Llama layout). GGUF llama
    /// files need it: llama.cpp's converter permutes the q and k rows of HF checkpoints into
    /// this layout, so rotate-half on them turns the wrong features together.
    case interleaved
}
