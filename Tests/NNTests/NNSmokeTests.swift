import XCTest
import NN

final class NNSmokeTests: XCTestCase {
    func testModuleLinks() { XCTAssertTrue(true) }
}
