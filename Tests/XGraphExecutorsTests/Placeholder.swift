import XCTest
final class XGraphExecutorsTestsPlaceholder: XCTestCase { func testPlaceholder() {} }
