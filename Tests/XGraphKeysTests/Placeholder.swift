import XCTest
final class XGraphKeysTestsPlaceholder: XCTestCase { func testPlaceholder() {} }
