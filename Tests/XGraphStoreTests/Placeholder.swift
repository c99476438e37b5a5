import XCTest
final class XGraphStoreTestsPlaceholder: XCTestCase { func testPlaceholder() {} }
