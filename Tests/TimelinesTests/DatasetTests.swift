import XCTest
import Timelines

final class DatasetTests: XCTestCase {
    func testDomainCategoryFeature() {
        XCTAssertEqual(Domain.movies.categoryFeature, "genre")
        XCTAssertEqual(Domain.products.categoryFeature, "category")
    }
}
