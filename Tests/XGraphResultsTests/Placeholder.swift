import XCTest
final class XGraphResultsTestsPlaceholder: XCTestCase { func testPlaceholder() {} }
