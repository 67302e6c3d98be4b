import XCTest
import Tensor

/// `Parallel.withSpinningWorkers`: every item of every loop runs exactly once, loops of all
/// sizes back to back (the team's generations), the closure and C-function forms, nesting,
/// and a second thread that finds the team held.
final class SpinningWorkersTests: XCTestCase {
    /// Adds its item index + 1 to each slot of its range: a slot ends at i + 1 only if item i
    /// ran exactly once.
    private static let mark: Parallel.RangeWork = { raw, lo, hi in
        let slots = raw!.assumingMemoryBound(to: Int.self)
        for i in lo..<hi { slots[i] += i + 1 }
    }

    private func checkLoops(seed: UInt64, loops: Int) {
        var rng = SeededGenerator(seed: seed)
        var slots = [Int](repeating: 0, count: 4096)
        for loop in 0..<loops {
            let count = 1 + Int(rng.next() % 4000)
            for i in 0..<count { slots[i] = 0 }
            slots.withUnsafeMutableBufferPointer { p in
                if loop % 2 == 0 {
                    Parallel.forEach(count, workPerItem: 1 << 12, callsBLAS: false, context: p.baseAddress!, work: Self.mark)
                } else {
                    let base = p.baseAddress!
                    Parallel.forEach(count, workPerItem: 1 << 12) { range in
                        for i in range { base[i] += i + 1 }
                    }
                }
            }
            for i in 0..<count where slots[i] != i + 1 {
                XCTFail("loop \(loop) of \(count) items: item \(i) gave \(slots[i])")
                return
            }
        }
    }

    func testEveryItemRunsOnceInManyShortLoops() {
        let held = Parallel.withSpinningWorkers(2) { () -> Int? in
            checkLoops(seed: 1, loops: 3000)
            return Parallel.spinningWorkers
        }
        if Parallel.cores > 1 { XCTAssertEqual(held, 1, "the team was not held") }
        XCTAssertNil(Parallel.spinningWorkers, "still marked as holding the team")
        // Held and released many times over (a decoding step per token).
        for round in 0..<200 { Parallel.withSpinningWorkers(2) { checkLoops(seed: UInt64(round), loops: 5) } }
    }

    /// A loop inside a team loop's items (a decoding step's attention heads calling a
    /// few-row product) runs serially instead of replacing the team's task.
    func testLoopsNestedInTeamWorkGiveTheRightResults() {
        let rows = 64, columns = 2048
        var slots = [Int](repeating: 0, count: rows * columns)
        Parallel.withSpinningWorkers(2) {
            slots.withUnsafeMutableBufferPointer { p in
                let base = p.baseAddress!
                Parallel.forEach(rows, workPerItem: 1 << 20) { outer in
                    for r in outer {
                        Parallel.forEach(columns, workPerItem: 1 << 12, callsBLAS: false, context: base + r * columns,
                                         work: Self.mark)
                    }
                }
            }
        }
        for r in 0..<rows {
            for i in 0..<columns where slots[r * columns + i] != i + 1 {
                return XCTFail("row \(r) item \(i) gave \(slots[r * columns + i])")
            }
        }
    }

    func testNestedAndConcurrentHoldersRunTheirLoopsSerially() {
        Parallel.withSpinningWorkers(2) {
            let outer = Parallel.spinningWorkers
            Parallel.withSpinningWorkers(2) {
                XCTAssertEqual(Parallel.spinningWorkers, outer, "a nested hold must keep the outer one")
                checkLoops(seed: 7, loops: 50)
            }
            // Another thread finds the team held: its loops still give the right results.
            let done = DispatchSemaphore(value: 0)
            Thread { [self] in
                Parallel.withSpinningWorkers(2) {
                    XCTAssertNil(Parallel.spinningWorkers)
                    checkLoops(seed: 8, loops: 50)
                }
                done.signal()
            }.start()
            checkLoops(seed: 9, loops: 500)
            XCTAssertEqual(done.wait(timeout: .now() + 60), .success)
        }
    }
}
