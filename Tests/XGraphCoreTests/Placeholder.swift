import XCTest
final class XGraphCoreTestsPlaceholder: XCTestCase { func testPlaceholder() {} }
