import XCTest
final class XGraphBuildTestsPlaceholder: XCTestCase { func testPlaceholder() {} }
