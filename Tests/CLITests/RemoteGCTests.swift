import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// `xgraph gc --remote` and the healing of dangling records, on S3 and on a folder.
extension S3RemoteTests {
    func testRemoteGCKeepsWhatItsRulesKeepAndBlobsOnlyAfterTheGrace() throws { try RemoteGCScenarios.rules(try s3()) }
    func testRemoteGCConcurrentWithPullingBuilds() throws { try RemoteGCScenarios.concurrentPull(try s3()) }
    func testDanglingRecordHealsOnTheNextPush() throws { try RemoteGCScenarios.dangling(try s3()) }
    func testRemoteGCMaxSizeDeletesTheLeastRecentlyPushedFirst() throws { try RemoteGCScenarios.maxSize(try s3()) }
}

extension FolderRemoteTests {
    func testRemoteGCKeepsWhatItsRulesKeepAndBlobsOnlyAfterTheGrace() throws {
        try RemoteGCScenarios.rules(try FolderRemote(owner: TestUser.current))
    }
    func testRemoteGCConcurrentWithPullingBuilds() throws { try RemoteGCScenarios.concurrentPull(try FolderRemote(owner: TestUser.current)) }
    func testDanglingRecordHealsOnTheNextPush() throws { try RemoteGCScenarios.dangling(try FolderRemote(owner: TestUser.current)) }
    func testRemoteGCMaxSizeDeletesTheLeastRecentlyPushedFirst() throws {
        try RemoteGCScenarios.maxSize(try FolderRemote(owner: TestUser.current))
    }

    /// The window gc closes last: a record that appears after gc listed the records for the last
    /// time before deleting blobs, and that names a blob it deleted (a pusher that had found the
    /// blob with HEAD just before), is deleted by gc's final listing. Written here by hand into a
    /// folder remote while gc waits in that window (XGRAPH_REMOTE_GC_TEST_PAUSE).
    func testRecordPushedDuringGCThatNamesADeletedBlobIsDeleted() throws {
        let r = try FolderRemote(owner: TestUser.current)
        let h = try RemoteScenarios.project(n: 1000)
        try h.write("new.yaml", RemoteScenarios.experiment(n: 2000))
        XCTAssertEqual(try RemoteScenarios.build(h, "A", r, "late").status, 0)
        let oldRecords = r.objects("late").filter { $0.hasPrefix("records/") }
        XCTAssertEqual(oldRecords.count, 2)
        let saved = try oldRecords.map { ($0, try Data(contentsOf: URL(fileURLWithPath: r.path("late", $0)))) }
        XCTAssertEqual(try h.run(["build", "new.yaml", "--store", "A", "--remote", r.url("late")]).status, 0)
        let gc = try h.start(["gc", "--remote", r.url("late"), "new.yaml", "--store", "A", "--grace", "0"], outputTo: "gc.log",
                             env: ["XGRAPH_REMOTE_GC_TEST_PAUSE": "2"])
        // gc deletes the old records, then their blobs, then waits: the late pusher writes one.
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline && r.objects("late").filter({ $0.hasPrefix("blobs/") }).count > 3 { usleep(20_000) }
        let (key, bytes) = try XCTUnwrap(saved.first)
        try bytes.write(to: URL(fileURLWithPath: r.path("late", key)))
        gc.waitUntilExit()
        let log = (try? h.read("gc.log")) ?? ""
        XCTAssertEqual(gc.terminationStatus, 0, log)
        XCTAssertTrue(log.contains("1 records pushed meanwhile named deleted blobs and were deleted"), log)
        XCTAssertFalse(r.objects("late").contains(key), log)
        _ = RemoteScenarios.ran(h)
        let b = try h.run(["build", "new.yaml", "--store", "B", "--remote", r.url("late")])
        XCTAssertEqual(RemoteScenarios.ran(h), [], b.all)
    }
}

enum RemoteGCScenarios {
    static func count(_ r: RemoteUnderTest, _ prefix: String, _ kind: String) -> Int {
        r.objects(prefix).filter { $0.hasPrefix(kind + "/") }.count
    }

    /// Two generations pushed (n = 1000, then 2000: `make`'s data.txt and `use`'s count.txt
    /// differ, small.txt is shared). gc --remote with the new file, run from a store that never
    /// built anything (its keys come from the remote's records): the old generation's records go
    /// at once, its blobs only after the grace; a fresh store then fetches the current generation
    /// and runs nothing, and the old one is gone from the remote.
    static func rules(_ r: RemoteUnderTest) throws {
        let h = try RemoteScenarios.project(n: 1000)
        XCTAssertEqual(try RemoteScenarios.build(h, "A", r, "gc").status, 0)
        try h.write("old.yaml", RemoteScenarios.experiment(n: 1000))
        try h.write("exp.yaml", RemoteScenarios.experiment(n: 2000))
        XCTAssertEqual(try RemoteScenarios.build(h, "A", r, "gc").status, 0)
        XCTAssertEqual(RemoteScenarios.ran(h), ["make", "make", "use", "use"])
        XCTAssertEqual(count(r, "gc", "records"), 4)
        // data.txt ×2, count.txt ×2, small.txt once.
        XCTAssertEqual(count(r, "gc", "blobs"), 5)

        let dry = try h.run(["gc", "--remote", r.url("gc"), "exp.yaml", "--store", "Fresh", "--dry-run"], env: r.env)
        XCTAssertEqual(dry.status, 0, dry.all)
        XCTAssertTrue(dry.out.contains("would delete 2 records (kept 2)"), dry.all)
        XCTAssertEqual(count(r, "gc", "records"), 4, "a dry run deletes nothing")

        // The default grace (1 day): records go, blobs wait.
        let first = try h.run(["gc", "--remote", r.url("gc"), "exp.yaml", "--store", "Fresh"], env: r.env)
        XCTAssertEqual(first.status, 0, first.all)
        XCTAssertTrue(first.out.contains("deleted 2 records (kept 2)"), first.all)
        XCTAssertTrue(first.out.contains("0 blobs") && first.out.contains("wait for the grace period"), first.all)
        XCTAssertEqual(count(r, "gc", "records"), 2)
        XCTAssertEqual(count(r, "gc", "blobs"), 5)

        // --grace 0, and the remote named by XGRAPH_REMOTE: the two old blobs and trees go.
        let second = try h.run(["gc", "--remote", "exp.yaml", "--store", "Fresh", "--grace", "0"],
                               env: r.env.merging(["XGRAPH_REMOTE": r.url("gc")]) { $1 })
        XCTAssertEqual(second.status, 0, second.all)
        XCTAssertTrue(second.out.contains("deleted 0 records (kept 2), 2 blobs"), second.all)
        XCTAssertEqual(count(r, "gc", "blobs"), 3)
        XCTAssertEqual(count(r, "gc", "trees"), 2)

        let b = try RemoteScenarios.build(h, "B", r, "gc")
        XCTAssertEqual(b.status, 0, b.all)
        XCTAssertEqual(RemoteScenarios.ran(h), [], "the current generation is whole on the remote: \(b.all)")
        XCTAssertFalse(b.err.contains("warning"), b.all)
        try RemoteScenarios.verifyClean(h, store: "B")
        let old = try h.run(["build", "old.yaml", "--store", "C", "--remote", r.url("gc"), "--remote-mode", "read"], env: r.env)
        XCTAssertEqual(old.status, 0, old.all)
        XCTAssertEqual(RemoteScenarios.ran(h), ["make", "use"], "the old generation is gone from the remote: \(old.all)")
        XCTAssertFalse(old.err.contains("warning"), "its records went first, so no reader finds half of it: \(old.all)")

        // A URL without --remote is refused rather than read as a file.
        let bad = try h.run(["gc", r.url("gc"), "exp.yaml", "--store", "A"], env: r.env)
        XCTAssertNotEqual(bad.status, 0, bad.all)
        XCTAssertTrue(bad.err.contains("add --remote"), bad.all)
    }

    /// Builds of the old generation pull while gc deletes that generation (grace 0, the worst
    /// case): every build succeeds, fetched or run here, and its store verifies clean.
    static func concurrentPull(_ r: RemoteUnderTest) throws {
        let h = try RemoteScenarios.project(n: 300_000)
        try h.write("old.yaml", RemoteScenarios.experiment(n: 300_000))
        try h.write("new.yaml", RemoteScenarios.experiment(n: 300_001))
        XCTAssertEqual(try h.run(["build", "old.yaml", "--store", "A"]).status, 0)
        XCTAssertEqual(try h.run(["build", "new.yaml", "--store", "A"]).status, 0)
        XCTAssertEqual(try h.run(["push", "new.yaml", "--store", "A", "--remote", r.url("gcrace")], env: r.env).status, 0)
        _ = RemoteScenarios.ran(h)
        var fetched = 0
        for round in 0..<4 {
            let push = try h.run(["push", "old.yaml", "--store", "A", "--remote", r.url("gcrace")], env: r.env)
            XCTAssertEqual(push.status, 0, push.all)
            let store = "P\(round)"
            let pull = try h.start(["build", "old.yaml", "--store", store, "--remote", r.url("gcrace"), "--remote-mode", "read"],
                                   outputTo: "\(store).log", env: r.env)
            // Staggered so the rounds meet the build at different points of its fetch.
            usleep(UInt32(round) * 40_000)
            let gc = try h.run(["gc", "--remote", r.url("gcrace"), "new.yaml", "--store", "A", "--grace", "0"], env: r.env)
            XCTAssertEqual(gc.status, 0, gc.all)
            pull.waitUntilExit()
            let log = (try? h.read("\(store).log")) ?? ""
            XCTAssertEqual(pull.terminationStatus, 0, log)
            if log.contains("fetched from the remote") { fetched += 1 }
            try RemoteScenarios.verifyClean(h, store: store)
            let again = try h.run(["build", "old.yaml", "--store", store, "--remote-mode", "off"])
            XCTAssertTrue(again.out.contains("nothing to do"), "the build left a whole result: \(again.all)")
            _ = RemoteScenarios.ran(h)
        }
        // The current generation is untouched: a fresh store runs nothing.
        let b = try h.run(["build", "new.yaml", "--store", "B", "--remote", r.url("gcrace")], env: r.env)
        XCTAssertEqual(b.status, 0, b.all)
        XCTAssertEqual(RemoteScenarios.ran(h), [], b.all)
        try RemoteScenarios.verifyClean(h, store: "B")
        print("remote gc beside pulls: \(fetched) of 4 builds fetched before gc took their generation")
    }

    /// A blob of a record deleted by hand: a fresh store's fetch is a miss (nothing installed),
    /// the node runs there, and its push puts the blob back, so the next store runs nothing.
    /// Then the same through `xgraph push` from the store that built it.
    static func dangling(_ r: RemoteUnderTest) throws {
        let h = try RemoteScenarios.project(n: 5000)
        XCTAssertEqual(try RemoteScenarios.build(h, "A", r, "dangle").status, 0)
        _ = RemoteScenarios.ran(h)
        func deleteLargestBlob() throws -> String {
            let largest = r.objects("dangle").filter { $0.hasPrefix("blobs/") }
                .max { ((try? FileManager.default.attributesOfItem(atPath: r.path("dangle", $0))[.size] as? Int) ?? 0)
                    < ((try? FileManager.default.attributesOfItem(atPath: r.path("dangle", $1))[.size] as? Int) ?? 0) }
            let blob = try XCTUnwrap(largest)
            try r.delete("dangle", blob)
            return blob
        }
        let blob = try deleteLargestBlob()
        let b = try RemoteScenarios.build(h, "B", r, "dangle")
        XCTAssertEqual(b.status, 0, b.all)
        XCTAssertTrue(b.err.contains("which the remote lacks"), b.all)
        XCTAssertEqual(RemoteScenarios.ran(h), ["make"], "make's record was a miss; use's is whole: \(b.all)")
        try RemoteScenarios.verifyClean(h, store: "B")
        XCTAssertTrue(r.objects("dangle").contains(blob), "B's push healed the record")
        let c = try RemoteScenarios.build(h, "C", r, "dangle")
        XCTAssertEqual(c.status, 0, c.all)
        XCTAssertEqual(RemoteScenarios.ran(h), [], c.all)

        _ = try deleteLargestBlob()
        let push = try h.run(["push", "exp.yaml", "--store", "A", "--remote", r.url("dangle")], env: r.env)
        XCTAssertEqual(push.status, 0, push.all)
        XCTAssertTrue(push.out.contains("pushed 1 node") && push.out.contains("1 already on the remote"), push.all)
        let d = try RemoteScenarios.build(h, "D", r, "dangle")
        XCTAssertEqual(d.status, 0, d.all)
        XCTAssertEqual(RemoteScenarios.ran(h), [], d.all)
        try RemoteScenarios.verifyClean(h, store: "D")
    }

    /// `gc --remote --max-size`: three generations pushed one after the other (data.txt of
    /// 589 kB, 1.29 MB and 1.99 MB); with a size of 2.5 MB and no file to keep, records go least
    /// recently pushed first and only until what the rest reference fits: generation 1 whole,
    /// then generation 2's `make` (its `use` stays: after that the blobs fit). A file's current
    /// keys are kept whatever the size, and gc says so.
    static func maxSize(_ r: RemoteUnderTest) throws {
        let h = try RemoteScenarios.project()
        for (i, n) in [100_000, 200_000, 300_000].enumerated() {
            try h.write("gen\(i + 1).yaml", RemoteScenarios.experiment(n: n))
            let b = try h.run(["build", "gen\(i + 1).yaml", "--store", "A", "--remote", r.url("size")], env: r.env)
            XCTAssertEqual(b.status, 0, b.all)
        }
        _ = RemoteScenarios.ran(h)
        XCTAssertEqual(count(r, "size", "records"), 6)
        let dry = try h.run(["gc", "--remote", r.url("size"), "--store", "A", "--max-size", "2500000", "--grace", "0", "--dry-run"], env: r.env)
        XCTAssertEqual(dry.status, 0, dry.all)
        XCTAssertTrue(dry.out.contains("would delete 3 records (kept 3)"), dry.all)
        XCTAssertEqual(count(r, "size", "records"), 6)
        let gc = try h.run(["gc", "--remote", r.url("size"), "--store", "A", "--max-size", "2500000", "--grace", "0", "--yes"], env: r.env)
        XCTAssertEqual(gc.status, 0, gc.all)
        XCTAssertTrue(gc.out.contains("deleted 3 records (kept 3)"), gc.all)
        XCTAssertTrue(gc.out.contains("the records that stay reference 1.9 MiB of blobs"), gc.all)
        for (file, runs) in [("gen3.yaml", [String]()), ("gen2.yaml", ["make"]), ("gen1.yaml", ["make", "use"])] {
            let b = try h.run(["build", file, "--store", "S-" + file, "--remote", r.url("size"), "--remote-mode", "read"], env: r.env)
            XCTAssertEqual(b.status, 0, b.all)
            XCTAssertEqual(RemoteScenarios.ran(h), runs, "\(file): \(b.all)")
            XCTAssertFalse(b.err.contains("warning"), "nothing half-deleted: \(b.all)")
        }
        let over = try h.run(["gc", "--remote", r.url("size"), "gen3.yaml", "--store", "A", "--max-size", "1000", "--dry-run"], env: r.env)
        XCTAssertEqual(over.status, 0, over.all)
        XCTAssertTrue(over.out.contains("would delete 1 record (kept 2)"), over.all)
        XCTAssertTrue(over.out.contains("what the rules keep is larger than --max-size"), over.all)
    }
}
