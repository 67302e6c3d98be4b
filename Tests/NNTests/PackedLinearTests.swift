import NN
import Tensor
import XCTest

/// A Linear packed for tile products (`packForInference`) answers with its f32 weight's
/// result when no gradient is recorded, trains through the f32 weight, and unpacks.
final class PackedLinearTests: XCTestCase {
    private func values(_ count: Int, seed: UInt64) -> [Float] {
        var gen = SeededGenerator(seed: seed)
        return (0..<count).map { _ in gen.nextNormal() }
    }

    func testPackedLinearAnswersOnlyWithoutGradientAndUnpacks() throws {
        try XCTSkipUnless(TileMatrix.available, "this CPU has no AMX-BF16 tile unit")
        var gen = SeededGenerator(seed: 6)
        let layer = Linear(64, 48, bias: false, generator: &gen)
        let x = Tensor(shape: [3, 64], values: values(192, seed: 7))
        let plain = Autograd.noGrad { layer(x) }
        XCTAssertTrue(layer.packForInference(.bf16x3))
        let packed = Autograd.noGrad { layer(x) }
        XCTAssertEqual(zip(plain.scalars, packed.scalars).map { abs($0 - $1) }.max()!, 0, accuracy: 1e-5)
        // With a gradient recorded the f32 weight answers (and trains), not the packed copy.
        let xg = Tensor(shape: [3, 64], values: values(192, seed: 7), requiresGrad: true)
        layer(xg).sum().backward()
        XCTAssertNotNil(layer.weight.grad)
        XCTAssertFalse(layer.packForInference(nil))
        XCTAssertNil(layer.packedWeight)
    }
}
