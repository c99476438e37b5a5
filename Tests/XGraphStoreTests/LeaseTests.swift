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
}
