import XCTest
final class XGraphGraphTestsPlaceholder: XCTestCase { func testPlaceholder() {} }
