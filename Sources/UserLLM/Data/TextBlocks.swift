import Timelines

/// The LM-pretraining corpus as fixed-length token blocks: every text becomes
/// <|bos|> text <|eos|>, the runs are concatenated and cut into blocks of `blockLength + 1`
/// tokens (inputs and shifted targets; nanoGPT's packing). Every `validationEvery`-th text
/// goes to the validation blocks instead, so validation measures unseen sentences.
public struct TextBlocks: Sendable {
    public let blockLength: Int
    public let train: [[Int32]]
    public let validation: [[Int32]]
    public let pad: Int32

    public init(texts: [String], tokenizer: BPETokenizer, blockLength: Int, validationEvery: Int = 20) {
        guard let bos = tokenizer.id(of: .bos), let eos = tokenizer.id(of: .eos), let pad = tokenizer.id(of: .pad) else {
            preconditionFailure("tokenizer lacks <|bos|>/<|eos|>/<|pad|>")
        }
        self.blockLength = blockLength
        self.pad = pad
        var trainStream: [Int32] = [], validationStream: [Int32] = []
        for (i, text) in texts.enumerated() {
            let ids = [bos] + tokenizer.encode(text, allowSpecial: false) + [eos]
            if i % validationEvery == validationEvery - 1 { validationStream += ids } else { trainStream += ids }
        }
        func cut(_ stream: [Int32]) -> [[Int32]] {
            stride(from: 0, to: max(0, stream.count - 1), by: blockLength).map {
                Array(stream[$0..<min(stream.count, $0 + blockLength + 1)])
            }.filter { $0.count > 1 }
        }
        train = cut(trainStream)
        validation = cut(validationStream)
    }

    /// A batch of blocks; the loss covers every real token.
    public func batch(_ blocks: [[Int32]]) -> TokenBatch {
        TokenBatch(sequences: blocks, lossMasks: blocks.map { b in [false] + Array(repeating: true, count: b.count - 1) }, pad: pad)
    }
}
