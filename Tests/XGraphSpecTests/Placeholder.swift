import XCTest
final class XGraphSpecTestsPlaceholder: XCTestCase { func testPlaceholder() {} }
