import NN
import UserLLM
import XCTest

/// Analytic FLOPs against totals worked out by hand (the arithmetic is in the comments).
final class FLOPsTests: XCTestCase {
    /// d 8, 2 heads (Dh 4), SwiGLU 12, vocabulary 11, one layer; batch 1, 3 tokens.
    private let micro = LanguageModelConfig(vocabSize: 11, dModel: 8, layers: 1, heads: 2, mlpHidden: 12, contextLength: 16)

    func testLanguageModelPrefillByHand() {
        let f = FLOPs.languageModel(micro, batch: 1, newTokens: 3, logitsRows: 3)
        // matmul: wq wk wv wo 4·2·3·8·8 = 1536; w1 w3 2·2·3·8·12 = 1152; w2 2·3·12·8 = 576;
        //         head 2·3·8·11 = 528                                            → 3792
        XCTAssertEqual(f.matmul, 3792)
        // attention: causal, one 64-row block: all 3 × 3 scores computed (6 visible);
        // QKᵀ and PV, 2 heads × 2·9·4 = 144 each → 288
        XCTAssertEqual(f.attention, 288)
        // approximate: attn_norm 3·8·4 = 96, RoPE 2·3·8·3 = 144, softmax 2·6·5 = 60,
        // residual 24, mlp_norm 96, silu and ⊙ 3·12·5 = 180, residual 24, final norm 96 → 720
        XCTAssertEqual(f.approximate, 720)
        XCTAssertEqual(f.total, 4800)
    }

    func testDecodeStepWithCacheAndCrossAttentionByHand() {
        let c = micro.withCrossAttention()
        // One new token (batch 1) after 3 cached, attending to 4 user rows.
        let f = FLOPs.languageModel(c, batch: 1, newTokens: 1, pastTokens: 3, userRows: 4, logitsRows: 1)
        // matmul: self wq..wo 4·2·8·8 = 512; xattn wq wo 2·2·8·8 = 256; w1 w3 2·2·8·12 = 384;
        //         w2 2·12·8 = 192; head 2·8·11 = 176                                → 1520
        XCTAssertEqual(f.matmul, 1520)
        // attention: self 2 heads × 2 · (2·1·4·4) = 128; cross 2 heads × 2 · (2·1·4·4) = 128 → 256
        XCTAssertEqual(f.attention, 256)
        // approximate: attn_norm 32, RoPE 2·8·3 = 48, softmax 2·4·5 = 40, residual 8,
        // xattn norm 32, cross softmax 2·4·5 = 40, gate and residual 16, mlp_norm 32,
        // silu ⊙ 12·5 = 60, residual 8, final norm 32                                → 348
        XCTAssertEqual(f.approximate, 348)
        // The user's keys and values, once: 1 layer × 2 · (2·4·8·8) = 1024.
        XCTAssertEqual(FLOPs.crossAttentionContext(c, userRows: 4).matmul, 1024)
        XCTAssertEqual(FLOPs.crossAttentionContext(micro, userRows: 4), .zero)
    }

    func testBatchAndLayersScaleLinearly() {
        let one = FLOPs.languageModel(micro, batch: 1, newTokens: 2, pastTokens: 5, logitsRows: 1)
        var two = micro
        two.layers = 2
        let body = FLOPs.transformerBlock(micro.block, batch: 1, newTokens: 2, pastTokens: 5)
        XCTAssertEqual(FLOPs.languageModel(two, batch: 1, newTokens: 2, pastTokens: 5, logitsRows: 1), one + body)
        XCTAssertEqual(FLOPs.languageModel(micro, batch: 3, newTokens: 2, pastTokens: 5, logitsRows: 3), one * 3)
    }

    func testPerceiverByHand() {
        // dim 8, 2 latents, 3 inputs, 1 layer, 2 heads, ff 16, batch 1.
        let f = FLOPs.perceiver(dim: 8, latents: 2, layers: 1, heads: 2, ffHidden: 16, inputs: 3)
        // matmul: wq wo 2·2·2·8·8 = 512; wk wv over 5 rows 2·2·5·8·8 = 1280; fc 2·2·8·16 = 512;
        //         proj 512                                                           → 2816
        XCTAssertEqual(f.matmul, 2816)
        // attention: 2 heads × 2 · (2·2·5·4) = 320
        XCTAssertEqual(f.attention, 320)
        // approximate: both input norms (2+3)·8·7 = 280, softmax 2·2·5·5 = 100,
        // residuals + mlp_norm 2·8·9 = 144, gelu 2·16·8 = 256, final norm 2·8·7 = 112 → 892
        XCTAssertEqual(f.approximate, 892)
    }

    func testEncoderStackByHand() {
        // GPT-2 style block with biases: d 8, 2 heads, MLP 32; 4 events, 1 layer.
        let block = TransformerBlockConfig(style: .encoder, dModel: 8, heads: 2, mlpHidden: 32, bias: true)
        let f = FLOPs.transformerStack(block, layers: 1, events: 4)
        // matmul: qkvo 4·2·4·8·8 = 2048; fc 2·4·8·32 = 2048; proj 2048             → 6144
        XCTAssertEqual(f.matmul, 6144)
        // attention: causal, one block: 4 × 4 scores computed; 2 heads × 2 · (2·16·4) = 512
        XCTAssertEqual(f.attention, 512)
        // approximate: biases 4·4·8 + 4·32 + 4·8 = 288; LayerNorms 3 × 4·8·7 = 672;
        // softmax 2·10·5 = 100; residuals 2·32 = 64; gelu 4·32·8 = 1024             → 2148
        XCTAssertEqual(f.approximate, 2148)
    }

    func testCausalAttentionCountsComputedBlocksAndSoftmaxOnVisibleScores() {
        // 3 new queries after 2 cached positions: they see 3, 4 and 5 keys → 12 of 15.
        XCTAssertEqual(FLOPs.visibleCausalScores(queries: 3, keys: 5), 12)
        XCTAssertEqual(FLOPs.visibleCausalScores(queries: 1, keys: 7), 7)
        let causal = FLOPs.attention(batch: 2, heads: 3, queries: 3, keys: 5, headDim: 4, causal: true)
        // One block of 3 rows, all scoring the 5 keys its last row sees:
        // 6 pairs × 2 · (2·15·4) = 1440; softmax on the visible 6·12·5 = 360.
        XCTAssertEqual(causal, FLOPCount(attention: 1440, approximate: 360))
        // 100 queries alone: blocks of 64 and 36 rows seeing 64 and 100 keys (of 5050 visible).
        XCTAssertEqual(FLOPs.attention(batch: 1, heads: 1, queries: 100, keys: 100, headDim: 1, causal: true).attention,
                       2 * 2 * (64 * 64 + 36 * 100))
        // Unmasked (cross-attention, Perceiver): the full 3 × 5.
        XCTAssertEqual(FLOPs.attention(batch: 2, heads: 3, queries: 3, keys: 5, headDim: 4),
                       FLOPCount(attention: 1440, approximate: 450))
    }

    func testFormatting() {
        XCTAssertEqual(FLOPCount.format(1_234_000_000), "1.23 GFLOP")
        XCTAssertEqual(FLOPCount.format(512), "512 FLOP")
    }
}
