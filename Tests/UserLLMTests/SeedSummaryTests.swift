import Foundation
import XCTest
import Timelines
import UserLLM

final class SeedSummaryTests: XCTestCase {
    /// A report with one "encoder" row whose R@10 is `recall` and one row only some seeds have.
    private func report(run: String, recall: Double, users: Int = 943, extraRow: Bool = false,
                        dataset: String = "movielens") -> EvaluationReport {
        var result = TaskResult(task: .nextItem, examples: users, metrics: ["recall@10": recall, "ndcg@10": recall / 2],
                                cost: InferenceCost())
        result.intervals["recall@10"] = ConfidenceInterval(value: recall, low: recall - 0.02, high: recall + 0.03)
        var rows = [EvaluationRow(name: "encoder", isBaseline: true, results: [result], trainingSeconds: 300 + recall * 100)]
        if extraRow { rows.append(EvaluationRow(name: "only-here", isBaseline: false, results: [result])) }
        return EvaluationReport(dataset: dataset, run: run, preset: "base", users: users, rows: rows)
    }

    /// Mean, sample SD, min and max by hand; rows missing from any seed are left out.
    func testMeanAndSpreadByHand() throws {
        let s = try SeedSummary.summarise([report(run: "a", recall: 0.19, extraRow: true), report(run: "b", recall: 0.20),
                                           report(run: "c", recall: 0.24)])
        XCTAssertEqual(s.rows.map(\.name), ["encoder"])
        XCTAssertEqual(s.runs, ["a", "b", "c"])
        let r10 = try XCTUnwrap(s.rows[0].metrics.first { $0.metric == "recall@10" })
        XCTAssertEqual(r10.values, [0.19, 0.20, 0.24])
        XCTAssertEqual(r10.mean, 0.21, accuracy: 1e-12)
        // deviations −0.02, −0.01, +0.03: squares sum to 0.0014, / 2 = 0.0007
        XCTAssertEqual(r10.standardDeviation, 0.0007.squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(r10.min, 0.19)
        XCTAssertEqual(r10.max, 0.24)
        let interval = try XCTUnwrap(r10.meanInterval)
        XCTAssertEqual(interval.low, 0.19, accuracy: 1e-12)
        XCTAssertEqual(interval.high, 0.24, accuracy: 1e-12)
        XCTAssertNil(s.rows[0].metrics.first { $0.metric == "ndcg@10" }?.meanInterval, "no intervals in the reports, none invented")
        XCTAssertEqual(try XCTUnwrap(s.rows[0].meanTrainingSeconds), 321, accuracy: 1e-9)
        XCTAssertEqual(r10.formatted(), "0.210 ± 0.026 (0.190–0.240)")
        let table = s.table()
        XCTAssertEqual(table.header, ["model", "seeds", "R@10", "NDCG@10", "train s (mean)"])
        XCTAssertEqual(table.rows, [["encoder", "3", "0.210 ± 0.026 (0.190–0.240)", "0.105 ± 0.013 (0.095–0.120)", "321"]])
    }

    /// The same figure from every seed has no spread.
    func testEqualSeedsHaveZeroSpread() throws {
        let s = try SeedSummary.summarise([report(run: "a", recall: 0.15), report(run: "b", recall: 0.15)])
        let r10 = try XCTUnwrap(s.rows[0].metrics.first { $0.metric == "recall@10" })
        XCTAssertEqual(r10.standardDeviation, 0)
        XCTAssertEqual(r10.min, r10.max)
    }

    /// Seeds evaluated on different test sets are refused, naming what differs.
    func testDifferentTestSetsAreRefused() {
        XCTAssertThrowsError(try SeedSummary.summarise([report(run: "a", recall: 0.1), report(run: "b", recall: 0.1, users: 100)])) {
            XCTAssertTrue("\($0)".contains("users is 100, but a has 943"), "\($0)")
        }
        XCTAssertThrowsError(try SeedSummary.summarise([report(run: "a", recall: 0.1), report(run: "b", recall: 0.1, dataset: "x")])) {
            XCTAssertTrue("\($0)".contains("dataset"), "\($0)")
        }
        var fast = report(run: "b", recall: 0.1)
        fast.precision = "bf16"
        XCTAssertThrowsError(try SeedSummary.summarise([report(run: "a", recall: 0.1), fast])) {
            XCTAssertTrue("\($0)".contains("arithmetic is bf16, but a has f32"), "\($0)")
        }
        XCTAssertThrowsError(try SeedSummary.summarise([]))
    }

    /// The footnote names the LLM's arithmetic when it is not f32; a report written before the
    /// field existed reads as f32.
    func testArithmeticIsStatedAndOldReportsAreFloat() throws {
        var r = report(run: "a", recall: 0.1)
        XCTAssertFalse(r.footnote.contains("answered in"))
        r.precision = "bf16x3"
        XCTAssertTrue(r.footnote.hasSuffix("The LLM answered in bf16x3 (AMX tiles), not f32."), r.footnote)
        var json = try XCTUnwrap(JSONSerialization.jsonObject(with: JSONEncoder().encode(r)) as? [String: Any])
        XCTAssertEqual(json["precision"] as? String, "bf16x3")
        json["precision"] = nil
        let old = try JSONDecoder().decode(EvaluationReport.self, from: JSONSerialization.data(withJSONObject: json))
        XCTAssertEqual(old.precision, "f32")
    }

    /// A report reads back from a run directory's eval.json; a file that is not one names itself.
    func testLoadsReportsAndRefusesOtherFiles() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("seedsummary-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let written = report(run: "a", recall: 0.2)
        try written.write(to: dir.appendingPathComponent("eval.json"))
        XCTAssertEqual(try SeedSummary.loadReport(dir.path), written)
        let bad = dir.appendingPathComponent("bad.json")
        try Data("{\"dataset\": 3}".utf8).write(to: bad)
        XCTAssertThrowsError(try SeedSummary.loadReport(bad.path)) {
            XCTAssertTrue("\($0)".contains("bad.json: not an evaluation report"), "\($0)")
        }
        XCTAssertThrowsError(try SeedSummary.loadReport(dir.appendingPathComponent("missing").path)) {
            XCTAssertTrue("\($0)".contains("missing"), "\($0)")
        }
    }
}
