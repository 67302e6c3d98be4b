import XCTest
import UserLLM

final class UserLLMSmokeTests: XCTestCase {
    func testModuleLinks() { XCTAssertTrue(true) }
}
