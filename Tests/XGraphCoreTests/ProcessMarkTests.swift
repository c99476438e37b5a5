import Foundation
import XCTest
import XGraphCore
#if canImport(Glibc)
import Glibc
#endif

/// Which processes a step may have left behind, told from process ids (`ProcessMark`), and
/// FolderUsers finding them by it: a process started after the mark that uses the folder is
/// found, one started before is not, and where the marks cannot tell it falls back to start
/// times rather than to skipping.
final class ProcessMarkTests: XCTestCase {
    func testIdsHandedOutSinceTheMarkWithAndWithoutWrapping() throws {
        let at = ProcessMark(lastPID: 1000, created: 50)
        let plain = try XCTUnwrap(at.created(until: ProcessMark(lastPID: 1040, created: 90), pidMax: 32768, inUse: 300))
        XCTAssertFalse(plain(1000))
        XCTAssertTrue(plain(1001))
        XCTAssertTrue(plain(1040))
        XCTAssertFalse(plain(1041))
        XCTAssertFalse(plain(5))
        // Wrapped past pid_max: the ids above the first mark and those from 1 to the last.
        let wrapped = try XCTUnwrap(ProcessMark(lastPID: 32700, created: 50)
            .created(until: ProcessMark(lastPID: 40, created: 200), pidMax: 32768, inUse: 300))
        XCTAssertTrue(wrapped(32701))
        XCTAssertTrue(wrapped(32767))
        XCTAssertTrue(wrapped(40))
        XCTAssertFalse(wrapped(41))
        XCTAssertFalse(wrapped(32700))
        XCTAssertFalse(wrapped(20000))
        // Nothing created: nothing is new, even at the same id.
        let none = try XCTUnwrap(at.created(until: at, pidMax: 32768, inUse: 300))
        XCTAssertFalse(none(1000))
        XCTAssertFalse(none(1001))
    }

    func testNoAnswerWhereTheCycleMayHaveComeRound() {
        let at = ProcessMark(lastPID: 1000, created: 50)
        // As many creations as could bring the cursor back past the first mark.
        XCTAssertNil(at.created(until: ProcessMark(lastPID: 1001, created: 50 + 32768), pidMax: 32768, inUse: 300))
        // Fewer creations, but ids in use that the cursor skips could make up the rest.
        XCTAssertNil(at.created(until: ProcessMark(lastPID: 1001, created: 50 + 6000), pidMax: 32768, inUse: 3000))
        // A counter that went backwards (another boot, another /proc).
        XCTAssertNil(at.created(until: ProcessMark(lastPID: 1100, created: 10), pidMax: 32768, inUse: 300))
    }

    func testTheMarkOfThisMachineMovesWhenAProcessStarts() throws {
        #if os(Linux)
        let before = try XCTUnwrap(ProcessMark.now())
        let pid = try spawn(["/bin/true"], cwd: "/")
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        let after = try XCTUnwrap(ProcessMark.now())
        XCTAssertGreaterThan(after.created, before.created)
        XCTAssertGreaterThan(after.tasks, 0)
        let isNew = try XCTUnwrap(before.created(until: after, pidMax: try XCTUnwrap(ProcessMark.pidMax()), inUse: after.tasks))
        XCTAssertTrue(isNew(pid))
        XCTAssertFalse(isNew(getppid()))
        #endif
    }

    func testFolderUsersFindsAProcessStartedSinceTheMarkAndNotOneStartedBefore() throws {
        #if os(Linux)
        let dir = NSTemporaryDirectory() + "xgraph-folder-users-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let old = try spawn(["/bin/sleep", "30"], cwd: dir)
        defer { kill(old, SIGKILL); var s: Int32 = 0; waitpid(old, &s, 0) }
        let mark = try XCTUnwrap(ProcessMark.now())
        let new = try spawn(["/bin/sleep", "30"], cwd: dir)
        defer { kill(new, SIGKILL); var s: Int32 = 0; waitpid(new, &s, 0) }
        let found = FolderUsers.of(dir, since: mark).map(\.pid)
        XCTAssertTrue(found.contains(new), "\(found)")
        XCTAssertFalse(found.contains(old), "\(found)")
        // Without a mark or a start time every process counts.
        XCTAssertEqual(Set(FolderUsers.of(dir).map(\.pid)), [old, new])
        // A mark that cannot tell (made in the future: its counter is ahead of the machine's)
        // falls back to the start time, never to skipping every process.
        let unknowable = ProcessMark(lastPID: mark.lastPID, created: mark.created + 1 << 40)
        XCTAssertEqual(Set(FolderUsers.of(dir, since: unknowable).map(\.pid)), [old, new])
        #endif
    }

    /// Starts `argv` in `cwd` with posix_spawn; its pid.
    private func spawn(_ argv: [String], cwd: String) throws -> Int32 {
        let previous = FileManager.default.currentDirectoryPath
        // posix_spawn takes the parent's working directory; the test runs one at a time.
        XCTAssertTrue(FileManager.default.changeCurrentDirectoryPath(cwd))
        defer { _ = FileManager.default.changeCurrentDirectoryPath(previous) }
        var pid: pid_t = 0
        let cArgs = argv.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        let rc = posix_spawn(&pid, argv[0], nil, nil, cArgs, environ)
        guard rc == 0 else { throw NSError(domain: "spawn", code: Int(rc)) }
        return pid
    }
}
