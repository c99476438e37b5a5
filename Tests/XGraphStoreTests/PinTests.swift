import Foundation
import XCTest
import XGraphCore
import XGraphStore
#if canImport(Glibc)
import Glibc
#endif

/// gc pins (GCLock.swift): a build decides keys one at a time after its plan, and pins each
/// through files its Store keeps open; these tests run a gc between two such pins.
final class PinTests: StoreTestCase {
    private func collect(_ store: Store) throws -> GCReport {
        let lock = try XCTUnwrap(try store.gcExclusive(wait: false), "a build still holds the gc lock")
        defer { lock.release() }
        return try store.collect(GCRules(), dryRun: false, lock: lock)
    }

    func testAPinTakenAfterACollectionStillProtectsItsRecord() throws {
        let build = try makeStore()
        let gc = try Store(root: build.root)
        let early = Digest.of("early"), late = Digest.of("late"), loose = Digest.of("loose")
        try build.write(sampleRecord(key: early, output: Digest.of("out-early")))
        try build.write(sampleRecord(key: loose, output: Digest.of("out-loose")))
        try build.pin([early])
        // The build has read keys.log: its cache names the record gc is about to delete.
        XCTAssertNotNil(build.outputDigest(forKey: loose))

        XCTAssertEqual(try collect(gc).records, 1)
        XCTAssertNotNil(try gc.record(forKey: early))
        XCTAssertNil(try gc.record(forKey: loose))

        // A record another build wrote meanwhile, which this build decides to reuse late.
        try gc.write(sampleRecord(key: late, output: Digest.of("out-late")))
        try build.pin([late])
        // The pin read gc's new generation, so the build's stale cache is gone.
        XCTAssertNil(build.outputDigest(forKey: loose))

        XCTAssertEqual(try collect(gc).records, 0)
        XCTAssertNotNil(try gc.record(forKey: early))
        XCTAssertNotNil(try gc.record(forKey: late))
    }

    func testAPinLeavesTheGCLockFreeUnlessTheCallerHoldsIt() throws {
        let build = try makeStore()
        let gc = try Store(root: build.root)
        try build.pin([Digest.of("a")])
        try build.pin([Digest.of("b")])
        XCTAssertNotNil(try gc.gcExclusive(wait: false), "a late pin must not keep gc waiting")

        let held = build.gcShared()
        try build.pin([Digest.of("c")], held: held)
        XCTAssertNil(try gc.gcExclusive(wait: false))
        held.release()
        XCTAssertNotNil(try gc.gcExclusive(wait: false))
    }

    func testAPinFileRemovedDuringABuildIsWrittenAgain() throws {
        let build = try makeStore()
        let gc = try Store(root: build.root)
        let key = Digest.of("k")
        try build.write(sampleRecord(key: key, output: Digest.of("out-k")))
        try build.pin([Digest.of("first")])
        let owners = build.root + "/locks/owners"
        let pins = try FileManager.default.contentsOfDirectory(atPath: owners).filter { $0.hasSuffix(".pins") }
        XCTAssertEqual(pins.count, 1)
        for p in pins { XCTAssertEqual(unlink(owners + "/" + p), 0) }

        try build.pin([key])
        XCTAssertEqual(try collect(gc).records, 0)
        XCTAssertNotNil(try gc.record(forKey: key))
    }

    func testReleasingTheStoreRetiresItsPinsAsUses() throws {
        var build: Store? = try makeStore()
        let root = try XCTUnwrap(build?.root)
        try build?.pin([Digest.of("a")])
        try build?.pin([Digest.of("b")])
        build = nil
        let owners = try FileManager.default.contentsOfDirectory(atPath: root + "/locks/owners")
        XCTAssertEqual(owners.filter { $0.hasSuffix(".pins") }, [])
        let uses = try FileManager.default.contentsOfDirectory(atPath: root + "/locks/uses")
        XCTAssertEqual(uses.count, 1)
        let text = try String(contentsOfFile: root + "/locks/uses/" + uses[0], encoding: .utf8)
        XCTAssertEqual(text, Digest.of("a").hex + "\n" + Digest.of("b").hex + "\n")
    }
}
