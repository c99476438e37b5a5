import XCTest
final class XGraphSchedulerTestsPlaceholder: XCTestCase { func testPlaceholder() {} }
