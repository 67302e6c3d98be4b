import XCTest
import Explorer

final class ExplorerSmokeTests: XCTestCase {
    func testModuleLinks() { XCTAssertTrue(true) }
}
