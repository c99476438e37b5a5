import Foundation
import XCTest
@testable import XGraphExecutors
#if canImport(Glibc)
import Glibc
#endif

/// The mount table root's jobs read to bind their inputs read-only lives in a shared temporary
/// folder; only the very file xgraph wrote may ever be used.
final class MountTableTests: XCTestCase {
    func testEscapesWhatFstabCannotHoldAndRefusesRelativePaths() {
        XCTAssertEqual(MountTable.text(for: ["/a b/c\\d", "/e\tf"]),
                       "/a\\040b/c\\134d /a\\040b/c\\134d none bind,ro 0 0\n/e\\011f /e\\011f none bind,ro 0 0\n")
        XCTAssertNil(MountTable.text(for: ["/ok", "relative"]))
    }

    /// A cleaner of /tmp deletes the table during a long build and another user creates a file
    /// of the same name: root must write a new table, never mount what that file says.
    func testATableReplacedByAnotherUsersFileIsNotUsed() throws {
        try XCTSkipUnless(geteuid() == 0, "needs root to create a file owned by another user")
        let folders = ["/xgraph-mount-table-test-\(UUID().uuidString)"]
        let first = try XCTUnwrap(MountTable.file(for: folders))
        XCTAssertEqual(MountTable.file(for: folders), first, "the same table while it is intact")
        XCTAssertEqual(try String(contentsOfFile: first, encoding: .utf8), MountTable.text(for: folders))

        XCTAssertEqual(unlink(first), 0)
        let hostile = "/attacker /etc none bind 0 0\n"
        XCTAssertTrue(FileManager.default.createFile(atPath: first, contents: Data(hostile.utf8)))
        XCTAssertEqual(chown(first, 65534, 65534), 0)
        defer { unlink(first) }

        let second = try XCTUnwrap(MountTable.file(for: folders))
        XCTAssertNotEqual(second, first)
        XCTAssertEqual(try String(contentsOfFile: second, encoding: .utf8), MountTable.text(for: folders))
    }
}
