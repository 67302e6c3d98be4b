import XCTest
import Tensor

final class ShapeOpsTests: XCTestCase {
    func iota(_ shape: [Int]) -> Tensor {
        Tensor(shape: shape, values: (0..<shape.reduce(1, *)).map(Float.init))
    }

    func testReshapeInfersAxisAndSharesStorage() {
        let x = iota([2, 3, 4])
        let y = x.reshaped([4, -1])
        XCTAssertEqual(y.shape, [4, 6])
        XCTAssertTrue(y.storage === x.storage)
        XCTAssertEqual(x.unsqueezed(1).shape, [2, 1, 3, 4])
        XCTAssertEqual(x.unsqueezed(-1).shape, [2, 3, 4, 1])
        XCTAssertEqual(x.unsqueezed(0).squeezed(0).shape, [2, 3, 4])
    }

    func testPermuteMovesEveryElement() {
        let x = iota([2, 3, 4, 5])
        for order in [[0, 2, 1, 3], [3, 2, 1, 0], [1, 3, 0, 2], [0, 1, 3, 2]] {
            let y = x.permuted(order)
            XCTAssertEqual(y.shape, order.map { x.shape[$0] })
            // y[i0,i1,i2,i3] = x[index with x-axis order[k] = ik]
            var checked = 0
            for i0 in 0..<y.shape[0] { for i1 in 0..<y.shape[1] { for i2 in 0..<y.shape[2] { for i3 in 0..<y.shape[3] {
                var xi = [0, 0, 0, 0]
                for (k, v) in [i0, i1, i2, i3].enumerated() { xi[order[k]] = v }
                let xLinear = ((xi[0] * 3 + xi[1]) * 4 + xi[2]) * 5 + xi[3]
                let yLinear = ((i0 * y.shape[1] + i1) * y.shape[2] + i2) * y.shape[3] + i3
                XCTAssertEqual(y.pointer[yLinear], Float(xLinear))
                checked += 1
            } } } }
            XCTAssertEqual(checked, 120)
        }
        XCTAssertEqual(Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6]).transposed(0, 1).scalars, [1, 4, 2, 5, 3, 6])
    }

    func testConcatSplitSliceValues() {
        let a = Tensor(shape: [2, 2], values: [1, 2, 3, 4]), b = Tensor(shape: [2, 1], values: [5, 6])
        XCTAssertEqual(Tensor.concat([a, b], axis: 1).scalars, [1, 2, 5, 3, 4, 6])
        XCTAssertEqual(Tensor.concat([a, a], axis: 0).scalars, [1, 2, 3, 4, 1, 2, 3, 4])
        let x = iota([2, 3, 2])  // middle axis slice: rows 1..<3 of each batch entry
        let s = x.sliced(axis: 1, range: 1..<3)
        XCTAssertEqual(s.shape, [2, 2, 2])
        XCTAssertEqual(s.scalars, [2, 3, 4, 5, 8, 9, 10, 11])
        let parts = x.split([1, 2], axis: -2)
        XCTAssertEqual(parts.map(\.shape), [[2, 1, 2], [2, 2, 2]])
        XCTAssertEqual(parts[0].scalars, [0, 1, 6, 7])
        XCTAssertEqual(Tensor.concat(parts, axis: 1).scalars, x.scalars)
        XCTAssertEqual(Tensor(shape: [3, 1], values: [1, 2, 3]).expanded(to: [2, 3, 2]).scalars,
                       [1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3])
    }

    func testGeneralBroadcastMatchesElementwiseDefinition() {
        let a = randomTensor([3, 1, 4], seed: 1, requiresGrad: false)
        let b = randomTensor([2, 1], seed: 2, requiresGrad: false)
        let c = a * b
        XCTAssertEqual(c.shape, [3, 2, 4])
        for i in 0..<3 { for j in 0..<2 { for k in 0..<4 {
            XCTAssertEqual(c.pointer[(i * 2 + j) * 4 + k], a.pointer[i * 4 + k] * b.pointer[j])
        } } }
        // sumToShape reverses it: Σ over the broadcast axes.
        let g = Tensor.sumToShape(c, [2, 1])
        for j in 0..<2 {
            var expected: Float = 0
            for i in 0..<3 { for k in 0..<4 { expected += c.pointer[(i * 2 + j) * 4 + k] } }
            XCTAssertEqual(g.pointer[j], expected, accuracy: 1e-5)
        }
    }

    func testShapeOpGradients() {
        let x = randomTensor([2, 3, 4], seed: 3)
        assertGradientsMatch([x]) { $0[0].reshaped([4, -1]) * $0[0].reshaped([4, 6]) }
        assertGradientsMatch([x]) { $0[0].unsqueezed(1).squeezed(1).transposed(0, 2) }
        let y = randomTensor([2, 3, 4, 5], seed: 4)
        for order in [[0, 2, 1, 3], [3, 2, 1, 0], [1, 3, 0, 2], [0, 1, 3, 2]] {
            assertGradientsMatch([y]) { $0[0].permuted(order) }
        }
        let z = randomTensor([3, 1], seed: 5)
        assertGradientsMatch([z]) { $0[0].expanded(to: [2, 3, 4]) }
        let w = randomTensor([1, 4], seed: 6)
        assertGradientsMatch([w]) { $0[0].expanded(to: [3, 4]) }
    }

    func testConcatSplitSliceGradientsOnMiddleAxes() {
        let a = randomTensor([2, 3, 4], seed: 7), b = randomTensor([2, 1, 4], seed: 8)
        let c = randomTensor([2, 2, 4], seed: 9, requiresGrad: false)
        assertGradientsMatch([a, b, c]) { Tensor.concat([$0[0], $0[1], $0[2]], axis: 1) }
        assertGradientsMatch([a, b]) { Tensor.concat([$0[0], $0[0]], axis: -1) * 2 }
        assertGradientsMatch([a]) { x in
            let p = x[0].split([1, 2], axis: 1)
            return Tensor.concat([p[1], p[0] * p[0]], axis: 1)
        }
        assertGradientsMatch([a]) { $0[0].sliced(axis: 2, range: 1..<3) }
        assertGradientsMatch([a]) { $0[0].sliced(axis: 0, range: 1..<2) }
        // Every piece used: the gradient is the sum over pieces.
        assertGradientsMatch([a]) { x in
            let p = x[0].split([2, 1, 1], axis: 2)
            return p[0].sum(axis: 2, keepDims: true) + p[1] - p[2].squared()
        }
    }

    func testBroadcastArithmeticGradientsOnGeneralPath() {
        let a = randomTensor([3, 1, 4], seed: 10), b = randomTensor([2, 1], seed: 11)
        assertGradientsMatch([a, b]) { $0[0] * $0[1] }
        assertGradientsMatch([a, b]) { $0[1] - $0[0] }
        let c = randomTensor([2, 3, 1, 5], seed: 12), d = randomTensor([3, 4, 1], seed: 13)
        assertGradientsMatch([c, d]) { $0[0] + $0[1] * $0[1] }
    }
}
