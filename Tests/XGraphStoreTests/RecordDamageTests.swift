import Foundation
import XCTest
import XGraphCore
import XGraphStore
#if canImport(Glibc)
import Glibc
#endif

/// Records and keys.log lines damaged behind the store's back: the record is the truth, a bad
/// record reads as "not built", and a bad key-log line never overrules a record.
final class RecordDamageTests: StoreTestCase {
    private func recordFile(_ store: Store, _ key: Digest) -> String {
        "\(store.root)/records/\(key.hex.prefix(2))/\(key.hex).json"
    }

    private func damage(_ path: String) throws {
        chmod(path, 0o644)
        try Data("{\"node\":\"pre".utf8).write(to: URL(fileURLWithPath: path))
    }

    func testADamagedRecordReadsAsNotBuiltAndTheNextWriteReplacesIt() throws {
        let store = try makeStore()
        let key = Digest.of("k")
        try store.write(sampleRecord(key: key, output: Digest.of("old")))
        try damage(recordFile(store, key))

        let fresh = try Store(root: store.root)
        XCTAssertNil(try fresh.record(forKey: key))
        let scan = fresh.scanRecords()
        XCTAssertEqual(scan.records, [])
        XCTAssertEqual(scan.unreadable, [recordFile(store, key)])

        let again = sampleRecord(key: key, output: Digest.of("new"))
        XCTAssertEqual(try fresh.write(again), again, "the damaged file does not block the new record")
        XCTAssertEqual(try Store(root: store.root).record(forKey: key), again)
        XCTAssertEqual(try Store(root: store.root).outputDigest(forKey: key), Digest.of("new"))
        let kept = try FileManager.default.subpathsOfDirectory(atPath: store.root + "/quarantine")
        XCTAssertTrue(kept.contains { $0.contains(key.hex) }, "set aside, not deleted: \(kept)")
    }

    func testARecordFiledUnderAnotherKeyReadsAsNotBuilt() throws {
        let store = try makeStore()
        let a = Digest.of("a"), b = Digest.of("b")
        try store.write(sampleRecord(key: a, output: Digest.of("oa")))
        try store.write(sampleRecord(key: b, output: Digest.of("ob")))
        chmod(recordFile(store, b), 0o644)
        try FileManager.default.removeItem(atPath: recordFile(store, b))
        try FileManager.default.copyItem(atPath: recordFile(store, a), toPath: recordFile(store, b))
        XCTAssertNil(try Store(root: store.root).record(forKey: b))
    }

    func testVerifyRepairSetsADamagedRecordAsideAndDropsItsLogLines() throws {
        let store = try makeStore()
        let good = Digest.of("good"), bad = Digest.of("bad")
        try store.write(sampleRecord(key: good, output: Digest.of("og"), node: "a"))
        try store.write(sampleRecord(key: bad, output: Digest.of("ob"), node: "b"))
        try store.setLastKey(bad, forNode: "b")
        try damage(recordFile(store, bad))

        let found = try Store(root: store.root).verify()
        XCTAssertTrue(found.problems.contains { $0.contains(recordFile(store, bad)) }, "\(found.problems)")

        let repaired = try Store(root: store.root).verify(repair: true)
        XCTAssertFalse(repaired.repairs.isEmpty)
        XCTAssertFalse(FileManager.default.fileExists(atPath: recordFile(store, bad)))
        let after = try Store(root: store.root)
        XCTAssertNil(after.outputDigest(forKey: bad), "its keys.log line is gone: the node builds again")
        XCTAssertNil(after.lastKey(forNode: "b"))
        XCTAssertEqual(after.outputDigest(forKey: good), Digest.of("og"))
        XCTAssertEqual(try after.verify().problems.filter { !$0.contains("not in the store") }, [])
    }
}
