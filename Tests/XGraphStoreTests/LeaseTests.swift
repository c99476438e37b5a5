import Foundation
import XCTest
import XGraphCore
import XGraphStore
#if canImport(Glibc)
import Glibc
#endif

final class LeaseTests: StoreTestCase {
    func testSecondLeaseOnAKeyIsRefusedUntilReleased() throws {
        let a = try makeStore()
        let b = try Store(root: a.root)
        let key = Digest.of("k")
        let lease = try XCTUnwrap(try a.tryLease(key: key, node: "n"))
        XCTAssertNil(try b.tryLease(key: key, node: "n"))
        XCTAssertNil(try a.tryLease(key: key, node: "n"))
        XCTAssertNotNil(try b.tryLease(key: Digest.of("other"), node: "m"))
        lease.release()
        XCTAssertNotNil(try b.tryLease(key: key, node: "n"))
    }

    func testLeaseIsReleasedWhenDropped() throws {
        let store = try makeStore()
        let key = Digest.of("k")
        do {
            let lease = try store.tryLease(key: key, node: "n")
            XCTAssertNotNil(lease)
            XCTAssertNotNil(store.leaseHolder(key: key))
        }
        XCTAssertNil(store.leaseHolder(key: key))
        XCTAssertNotNil(try store.tryLease(key: key, node: "n"))
    }

    func testLeaseHolderNamesTheHolderAndItsJob() throws {
        let a = try makeStore()
        let b = try Store(root: a.root)
        let key = Digest.of("k")
        XCTAssertNil(b.leaseHolder(key: key))
        let lease = try XCTUnwrap(try a.tryLease(key: key, node: "pretrain/data=10M"))
        lease.setJobProcessGroup(4242)
        let info = try XCTUnwrap(b.leaseHolder(key: key))
        XCTAssertEqual(info.pid, getpid())
        XCTAssertEqual(info.pgid, 4242)
        XCTAssertEqual(info.node, "pretrain/data=10M")
        XCTAssertEqual(info.host, hostName())
        // A held lease is not orphaned, whatever its job does.
        XCTAssertNil(b.orphanedJob(key: key))
        lease.release()
        XCTAssertNil(b.leaseHolder(key: key))
        XCTAssertNil(b.orphanedJob(key: key))
    }

    func testJobOfAKilledHolderIsReportedAsOrphaned() throws {
        let store = try makeStore()
        let key = Digest.of("k")
        // What a holder killed with -9 leaves: an unlocked lock file naming its job's group,
        // here this test's own (live) process group.
        let info = LeaseInfo(pid: 2147483646, pgid: getpgrp(), host: hostName(), node: "n", since: Date())
        let enc = JSONEncoder()
        enc.dateEncodingStrategy = .iso8601
        try enc.encode(info).write(to: URL(fileURLWithPath: "\(store.root)/locks/\(key.hex).lock"))

        XCTAssertNil(store.leaseHolder(key: key))
        XCTAssertEqual(store.orphanedJob(key: key), getpgrp())
        let lease = try XCTUnwrap(try store.tryLease(key: key, node: "n"))
        XCTAssertEqual(lease.orphanedProcessGroup, getpgrp())
        lease.release()
        XCTAssertNil(store.orphanedJob(key: key))
    }

    func testJobGroupThatIsGoneIsNotOrphaned() throws {
        let store = try makeStore()
        let key = Digest.of("k")
        let info = LeaseInfo(pid: 2147483646, pgid: 2147483645, host: hostName(), node: "n", since: Date())
        let enc = JSONEncoder()
        enc.dateEncodingStrategy = .iso8601
        try enc.encode(info).write(to: URL(fileURLWithPath: "\(store.root)/locks/\(key.hex).lock"))
        XCTAssertNil(store.orphanedJob(key: key))
        XCTAssertNil(try store.tryLease(key: key, node: "n")?.orphanedProcessGroup)
    }

    private func writeStaleLease(_ store: Store, key: Digest, pgid: Int32, jobStart: UInt64?) throws {
        let info = LeaseInfo(pid: 2147483646, pgid: pgid, jobStart: jobStart, host: hostName(), node: "n", since: Date())
        let enc = JSONEncoder()
        enc.dateEncodingStrategy = .iso8601
        try enc.encode(info).write(to: URL(fileURLWithPath: "\(store.root)/locks/\(key.hex).lock"))
    }

    /// A process group whose only member is a zombie: its leader exited and its parent (`sleep`,
    /// standing in for a PID 1 that does not reap) never collects it.
    private func zombieGroup() throws -> (pgid: Int32, parent: Process) {
        let pidFile = FileManager.default.temporaryDirectory.appendingPathComponent("zombie-\(UUID())").path
        let parent = Process()
        parent.executableURL = URL(fileURLWithPath: "/bin/sh")
        parent.arguments = ["-c", "setsid sh -c 'echo $$ > \"$0\"; exit 0' \"$0\" & exec sleep 30", pidFile]
        try parent.run()
        for _ in 0..<200 {
            if let text = try? String(contentsOfFile: pidFile, encoding: .utf8),
               let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)),
               let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
               stat.split(separator: ")").last?.split(separator: " ").first == "Z" {
                return (pid, parent)
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        parent.terminate()
        throw XCTSkip("could not make a zombie process group")
    }

    func testAGroupOfOnlyZombiesIsNotAnOrphanToWaitFor() throws {
        let store = try makeStore()
        let key = Digest.of("k")
        let (pgid, parent) = try zombieGroup()
        defer { parent.terminate(); parent.waitUntilExit() }
        XCTAssertEqual(kill(-pgid, 0), 0, "the zombie group still answers kill(2)")
        try writeStaleLease(store, key: key, pgid: pgid, jobStart: nil)
        XCTAssertNil(store.orphanedJob(key: key))
        XCTAssertNil(try store.tryLease(key: key, node: "n")?.orphanedProcessGroup)
    }

    func testALiveGroupThatStartedAfterTheRecordedJobIsNotOurs() throws {
        let store = try makeStore()
        let key = Digest.of("k")
        // This test's own process group is alive, but the lease says its job started at
        // another time: the id was reused by someone else.
        let leaderStart = try XCTUnwrap(ProcessGroup.startTime(getpgrp()))
        try writeStaleLease(store, key: key, pgid: getpgrp(), jobStart: leaderStart + 1)
        XCTAssertNil(store.orphanedJob(key: key))
        try writeStaleLease(store, key: key, pgid: getpgrp(), jobStart: leaderStart)
        XCTAssertEqual(store.orphanedJob(key: key), getpgrp())
    }
}
