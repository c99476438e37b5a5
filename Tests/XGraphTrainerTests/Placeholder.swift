import XCTest
final class XGraphTrainerTestsPlaceholder: XCTestCase { func testPlaceholder() {} }
