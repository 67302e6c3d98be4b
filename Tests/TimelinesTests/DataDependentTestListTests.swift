import Foundation
import XCTest

/// .ci/run's second pass (only the data `make test` fetches) runs the classes listed in
/// .ci/data-dependent-tests; a class that reads another dataset and is not listed would
/// never be tried as a fresh clone meets it.
final class DataDependentTestListTests: XCTestCase {
    /// Ways a test reads a dataset other than MovieLens-100K from $USERLLM_TEST_DATA: the
    /// optional-dataset helpers and the tokenizer tests' readers of other datasets.
    static let otherDataset = try! NSRegularExpression(
        pattern: #"TestData\.optional\(|TokenizerTestSupport\.dataset\("(?!movielens-100k")|movieLensLatestSmallTitles\(|amazonFashionReviews\("#)
    static let testClass = try! NSRegularExpression(pattern: #"class (\w+)\s*:\s*XCTestCase"#)

    func testEveryClassReadingOptionalDataIsListed() throws {
        let root = TestData.packageRoot
        let listText = try String(contentsOf: root.appendingPathComponent(".ci/data-dependent-tests"), encoding: .utf8)
        let listed = Set(listText.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") })
        XCTAssertFalse(listed.isEmpty)
        let tests = root.appendingPathComponent("Tests")
        let files = FileManager.default.enumerator(at: tests, includingPropertiesForKeys: nil)!
            .compactMap { $0 as? URL }
            .filter { $0.pathExtension == "swift" && !$0.path.contains("/Fixtures/") && $0.lastPathComponent != "DataDependentTestListTests.swift" }
        var needed: Set<String> = []
        var allClasses: Set<String> = []
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            let range = NSRange(text.startIndex..., in: text)
            // Each use belongs to the class declared last before it.
            let classes = Self.testClass.matches(in: text, range: range).map { ($0.range.location, String(text[Range($0.range(at: 1), in: text)!])) }
            allClasses.formUnion(classes.map(\.1))
            for use in Self.otherDataset.matches(in: text, range: range) {
                if let owner = classes.last(where: { $0.0 < use.range.location }) { needed.insert(owner.1) }
            }
        }
        XCTAssertTrue(needed.contains("RealDataLoadTests"), "the scan found none of the known data-dependent classes")
        XCTAssertEqual(needed.subtracting(listed).sorted(), [], "add these to .ci/data-dependent-tests")
        XCTAssertEqual(listed.subtracting(allClasses).sorted(), [], ".ci/data-dependent-tests names classes that do not exist")
    }
}
