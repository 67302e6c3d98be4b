import Foundation
import NN
import Tensor
import UserLLM
import XCTest

/// The LanguageModel against PyTorch, llm.c style: Tools/reference/golden.py builds the
/// same tiny decoder with gated cross-attention in float64 on float32 weights and stores
/// inputs, logits, loss, every gradient and the parameters after 3 AdamW steps in
/// Tests/Fixtures/golden/llm_xattn.safetensors. Everything must agree to 1e-4 relative
/// error (per tensor: max |ours − theirs| / max |theirs|). No Python needed here.
final class GoldenTests: XCTestCase {
    static let tolerance: Float = 1e-4

    struct Fixture {
        var file: SafetensorsFile
        var config: LanguageModelConfig
        var adamw: AdamWConfig
        var batch: Int, tokens: Int
        var ids: [Int32], targets: [Int32], user: Tensor, userLengths: [Int]
    }

    static func packageRoot() -> URL {
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while dir.path != "/", !FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) {
            dir = dir.deletingLastPathComponent()
        }
        return dir
    }

    func loadFixture() throws -> Fixture {
        let url = Self.packageRoot().appendingPathComponent("Tests/Fixtures/golden/llm_xattn.safetensors")
        let file = try Safetensors.read(url)
        struct Config: Decodable {
            var vocab, d, layers, heads, hidden, batch, tokens, users: Int
            var eps: Float, rope_base: Float, xattn: Bool
        }
        struct Adam: Decodable { var lr: Float, betas: [Float], eps: Float, weight_decay: Float }
        let c = try JSONDecoder().decode(Config.self, from: Data(try XCTUnwrap(file.metadata["config"]).utf8))
        let a = try JSONDecoder().decode(Adam.self, from: Data(try XCTUnwrap(file.metadata["adamw"]).utf8))
        let config = LanguageModelConfig(vocabSize: c.vocab, dModel: c.d, layers: c.layers, heads: c.heads,
                                         mlpHidden: c.hidden, contextLength: 64, ropeBase: c.rope_base,
                                         normEps: c.eps, crossAttention: c.xattn)
        let adamw = AdamWConfig(learningRate: a.lr, beta1: a.betas[0], beta2: a.betas[1], eps: a.eps, weightDecay: a.weight_decay)
        let ids = try file.tensor("input.tokens").scalars.map { Int32($0) }
        let targets = try file.tensor("input.targets").scalars.map { Int32($0) }
        let user = try file.tensor("input.user")
        XCTAssertEqual(user.shape, [c.batch, c.users, c.d])
        let lengths = try file.tensor("input.user_lengths").scalars.map { Int($0) }
        return Fixture(file: file, config: config, adamw: adamw, batch: c.batch, tokens: c.tokens,
                       ids: ids, targets: targets, user: user, userLengths: lengths)
    }

    /// The model with the fixture's initial weights (a strict load: every name must match).
    func makeModel(_ f: Fixture) throws -> LanguageModel {
        let model = LanguageModel(config: f.config, seed: 99)
        try f.file.withPrefix("param.").load(into: model.parameters(), strict: true)
        return model
    }

    func loss(_ model: LanguageModel, _ f: Fixture) -> (logits: Tensor, loss: Tensor) {
        let logits = model(tokens: f.ids, batch: f.batch, user: f.user, userLengths: f.userLengths)  // (B, T, V)
        let loss = Tensor.crossEntropy(logits: logits.reshaped([f.batch * f.tokens, f.config.vocabSize]),
                                       targets: f.targets)
        return (logits, loss)
    }

    /// max |a − b| / max |b|, with the element where the difference peaks.
    func relativeError(_ a: Tensor, _ b: Tensor) -> (error: Float, index: Int) {
        precondition(a.shape == b.shape, "shapes \(a.shape) vs \(b.shape)")
        var worst: Float = 0, index = 0, scale: Float = 0
        for i in 0..<b.count {
            scale = max(scale, abs(b.pointer[i]))
            let d = abs(a.pointer[i] - b.pointer[i])
            if d > worst || d.isNaN { worst = d; index = i }
        }
        return (worst / max(scale, .leastNormalMagnitude), index)
    }

    /// The largest relative error seen in this test and where, printed at the end.
    private var worst: (error: Float, what: String) = (0, "")

    override func tearDown() {
        print("\(name): worst relative error \(worst.error) (\(worst.what)), tolerance \(Self.tolerance)")
        super.tearDown()
    }

    func assertClose(_ ours: Tensor, _ theirs: Tensor, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(ours.shape, theirs.shape, what, file: file, line: line)
        guard ours.shape == theirs.shape else { return }
        let (error, i) = relativeError(ours, theirs)
        if error > worst.error || error.isNaN { worst = (error, what) }
        XCTAssertLessThanOrEqual(error, Self.tolerance,
                                 "\(what): relative error \(error) at element \(i): ours \(ours.pointer[i]), PyTorch \(theirs.pointer[i])",
                                 file: file, line: line)
    }

    func testForwardLogitsAndLoss() throws {
        let f = try loadFixture()
        let model = try makeModel(f)
        let (logits, loss) = Autograd.noGrad { self.loss(model, f) }
        assertClose(logits, try f.file.tensor("logits"), "logits")
        assertClose(loss, try f.file.tensor("loss"), "loss")
        // The gates are open, so the users matter: without U the logits differ.
        XCTAssertEqual(model.gateValues.count, f.config.layers)
        XCTAssertGreaterThan(model.gateValues.map(abs).min()!, 0.3)
    }

    func testEveryGradient() throws {
        let f = try loadFixture()
        let model = try makeModel(f)
        let grads = f.file.withPrefix("grad.")
        XCTAssertEqual(Set(grads.names), Set(model.parameters().map(\.0)))
        model.zeroGrad()
        loss(model, f).loss.backward()
        for (name, p) in model.parameters() {
            guard let g = p.grad else { XCTFail("\(name): no gradient"); continue }
            assertClose(g, try grads.tensor(name), "grad \(name)")
        }
    }

    func testThreeAdamWSteps() throws {
        let f = try loadFixture()
        let model = try makeModel(f)
        let optimizer = AdamW(parameters: model.parameters(), config: f.adamw)
        var losses: [Float] = []
        for _ in 0..<3 {
            optimizer.zeroGrad()
            let l = loss(model, f).loss
            losses.append(l.item)
            l.backward()
            optimizer.step()
        }
        assertClose(Tensor(shape: [3], values: losses), try f.file.tensor("losses"), "losses of the 3 steps")
        let after = f.file.withPrefix("step3.")
        for (name, p) in model.parameters() {
            assertClose(p, try after.tensor(name), "after 3 steps: \(name)")
        }
        // The weights moved well beyond the tolerance, so the comparison is not of the start.
        let start = try f.file.tensor("param.tok_emb.weight"), end = try after.tensor("tok_emb.weight")
        XCTAssertGreaterThan(relativeError(start, end).error, 100 * Self.tolerance)
    }
}
