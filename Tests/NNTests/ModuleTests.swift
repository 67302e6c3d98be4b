import XCTest
import NN
import Tensor

final class ModuleTests: XCTestCase {
    private func block(seed: UInt64) -> TransformerBlock {
        var gen = SeededGenerator(seed: seed)
        return TransformerBlock(config: TransformerBlockConfig(style: .encoder, dModel: 8, heads: 2, mlpHidden: 16),
                                layerCount: 1, generator: &gen)
    }

    func testFreezeAndUnfreezeReachEveryParameter() {
        let b = block(seed: 1)
        XCTAssertEqual(b.trainableParameterCount, b.parameterCount)
        b.attn.freeze()
        XCTAssertEqual(b.trainableParameterCount, b.parameterCount - b.attn.parameterCount)
        b.freeze()
        XCTAssertEqual(b.trainableParameterCount, 0)
        b.unfreeze()
        XCTAssertEqual(b.trainableParameterCount, b.parameterCount)
    }

    func testLoadParametersCopiesByNameAndReportsProblems() throws {
        let a = block(seed: 2), b = block(seed: 3)
        XCTAssertNotEqual(a.attn.wq.weight.scalars, b.attn.wq.weight.scalars)
        try b.loadParameters(a.namedParameters())
        for ((n1, p1), (n2, p2)) in zip(a.parameters(), b.parameters()) {
            XCTAssertEqual(n1, n2)
            XCTAssertEqual(p1.scalars, p2.scalars)
            XCTAssertFalse(p1 === p2)
        }
        var values = a.namedParameters()
        values["attn.wq.weight"] = Tensor.zeros([8, 7])
        XCTAssertThrowsError(try b.loadParameters(values)) {
            XCTAssertEqual($0 as? ModuleLoadError, .shapeMismatch(name: "attn.wq.weight", expected: [8, 8], found: [8, 7]))
        }
        values = a.namedParameters()
        values.removeValue(forKey: "mlp.fc.weight")
        XCTAssertThrowsError(try b.loadParameters(values)) {
            XCTAssertEqual($0 as? ModuleLoadError, .missing("mlp.fc.weight"))
        }
        XCTAssertEqual(try b.loadParameters(values, strict: false).count, b.parameters().count - 1)
        values["extra"] = Tensor.zeros([1])
        values["mlp.fc.weight"] = a.mlp.parameters()[0].1
        XCTAssertThrowsError(try b.loadParameters(values)) { XCTAssertEqual($0 as? ModuleLoadError, .unexpected("extra")) }
    }
}
