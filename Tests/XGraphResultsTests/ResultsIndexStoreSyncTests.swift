import Foundation
import XCTest
import XGraphCore
import XGraphResults
import XGraphStore

/// `sync(with: Store)` reads only the record files whose stat changed since it last read them;
/// whatever changed in the store, the index then says what the records say.
final class ResultsIndexStoreSyncTests: XCTestCase {
    /// Late enough that every file written by the test is older than the racy window, so the
    /// stamps are kept and trusted (the path a real store takes for all but its newest records).
    private let later = Date().addingTimeInterval(3600)

    private func fixture() throws -> (store: Store, index: ResultsIndex, records: [ActionRecord]) {
        let dir = try makeTempDir(self)
        let store = try Store(root: dir + "/store")
        let records = [
            makeRecord(axes: [("data", "1k")], metrics: ["accuracy": 0.5]),
            makeRecord(axes: [("data", "3k")], metrics: ["accuracy": 0.6]),
            makeRecord(axes: [("data", "10k")], metrics: ["accuracy": 0.7]),
        ]
        for r in records { try store.write(r) }
        let index = try ResultsIndex(path: store.root + "/results.sqlite")
        XCTAssertEqual(try index.sync(with: store, now: later, warn: { XCTFail($0) }), .init(inserted: 3, deleted: 0))
        return (store, index, records)
    }

    private func accuracy(_ index: ResultsIndex, _ node: String) throws -> [JSONValue] {
        try index.sql("""
            SELECT m.value FROM runs r JOIN metrics m ON m.key = r.key AND m.name = 'accuracy' WHERE r.node = '\(node)'
            """).rows.map { $0[0] }
    }

    private func count(_ index: ResultsIndex, _ table: String) throws -> Int {
        try XCTUnwrap(index.sql("SELECT count(*) FROM \(table)").rows.first?.first?.intValue)
    }

    /// Runs whose record file's stat the index keeps (and trusts while it holds).
    private func stamped(_ index: ResultsIndex) throws -> Int {
        try XCTUnwrap(index.sql("SELECT count(*) FROM record_files WHERE inode IS NOT NULL").rows.first?.first?.intValue)
    }

    func testAnUnchangedStoreChangesNothingAndEveryRunKeepsItsFileStamp() throws {
        let f = try fixture()
        XCTAssertEqual(try stamped(f.index), 3)
        XCTAssertEqual(try f.index.sync(with: f.store, now: later, warn: { XCTFail($0) }), .init(inserted: 0, deleted: 0))
        XCTAssertEqual(try count(f.index, "runs"), 3)
        XCTAssertEqual(try accuracy(f.index, "pretrain/data=1k"), [.double(0.5)])
    }

    func testARecordReplacedUnderItsKeyReplacesItsRun() throws {
        let f = try fixture()
        var rerun = f.records[0]
        rerun.metrics = ["accuracy": 0.9]
        try f.store.writeRunRecord(rerun)
        XCTAssertEqual(try f.index.sync(with: f.store, now: later), .init(inserted: 0, deleted: 0))
        XCTAssertEqual(try accuracy(f.index, "pretrain/data=1k"), [.double(0.9)], "the new record's value, once")
        XCTAssertEqual(try count(f.index, "runs"), 3)
        XCTAssertEqual(try stamped(f.index), 3)
    }

    func testAnotherProcessesWritesBetweenTwoSyncsAreSeen() throws {
        let f = try fixture()
        // Another process: its own Store and index on the same folders.
        let other = try Store(root: f.store.root)
        var rerun = f.records[1]
        rerun.metrics = ["accuracy": 0.1]
        try other.writeRunRecord(rerun)
        try other.write(makeRecord(axes: [("data", "30k")], metrics: ["accuracy": 0.8]))
        let otherIndex = try ResultsIndex(path: f.index.path)
        XCTAssertEqual(try otherIndex.sync(with: other, now: later), .init(inserted: 1, deleted: 0))

        // This process's index already holds the other's sync; its own sync agrees.
        XCTAssertEqual(try accuracy(f.index, "pretrain/data=3k"), [.double(0.1)])
        XCTAssertEqual(try f.index.sync(with: f.store, now: later), .init(inserted: 0, deleted: 0))
        XCTAssertEqual(try accuracy(f.index, "pretrain/data=30k"), [.double(0.8)])
        XCTAssertEqual(try count(f.index, "runs"), 4)
    }

    func testADeletedRecordsRunGoesAndADamagedRecordsRunGoesWithAWarningEachTime() throws {
        let f = try fixture()
        let records = f.store.root + "/records"
        func path(_ r: ActionRecord) -> String { records + "/" + String(r.key.hex.prefix(2)) + "/" + r.key.hex + ".json" }
        try FileManager.default.removeItem(atPath: path(f.records[0]))
        let damaged = path(f.records[1])
        chmod(damaged, 0o644)
        try Data("{\"node\":".utf8).write(to: URL(fileURLWithPath: damaged))

        var warnings: [String] = []
        XCTAssertEqual(try f.index.sync(with: f.store, now: later, warn: { warnings.append($0) }), .init(inserted: 0, deleted: 2))
        XCTAssertEqual(try f.index.sql("SELECT node FROM runs").rows, [[.string("pretrain/data=10k")]])
        XCTAssertEqual(try count(f.index, "metrics"), 1, "the deleted runs' rows went with them")
        XCTAssertEqual(try count(f.index, "record_files"), 1)
        XCTAssertEqual(warnings.count, 1)
        XCTAssertTrue(warnings.first?.contains(damaged) ?? false, "\(warnings)")

        XCTAssertEqual(try f.index.sync(with: f.store, now: later, warn: { warnings.append($0) }), .init(inserted: 0, deleted: 0))
        XCTAssertEqual(warnings.count, 2, "a damaged file is warned about on every sync while it is there")
    }

    /// Enough records that the files are read on several threads: each run still gets its own
    /// record's values, a build's runs are each restamped, a damaged file and a misnamed one are
    /// each warned about once, in path order.
    func testManyRecordsReadOnSeveralThreadsEachGiveTheirOwnRun() throws {
        let dir = try makeTempDir(self)
        let store = try Store(root: dir + "/store")
        let records = (0..<300).map { makeRecord(axes: [("data", "\($0 + 1)k")], metrics: ["accuracy": .double(Double($0) / 1000)]) }
        for r in records { try store.write(r) }
        let index = try ResultsIndex(path: store.root + "/results.sqlite")
        // Half come from the build that wrote them (digest known, no stamp); half are new.
        XCTAssertEqual(try index.add(Array(records.prefix(150))), 150)
        func path(_ r: ActionRecord) -> String {
            store.root + "/records/" + String(r.key.hex.prefix(2)) + "/" + r.key.hex + ".json"
        }
        let damaged = path(records[200])
        chmod(damaged, 0o644)
        try Data("{\"node\":".utf8).write(to: URL(fileURLWithPath: damaged))
        let misnamed = store.root + "/records/00/not-a-key.json"
        try FileManager.default.createDirectory(atPath: store.root + "/records/00", withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: URL(fileURLWithPath: misnamed))

        var warnings: [String] = []
        XCTAssertEqual(try index.sync(with: store, now: later, warn: { warnings.append($0) }), .init(inserted: 149, deleted: 0))
        XCTAssertEqual(warnings.count, 2, "\(warnings)")
        let inOrder = [misnamed, damaged].sorted()
        XCTAssertTrue(warnings[0].contains(inOrder[0]) && warnings[1].contains(inOrder[1]), "in path order: \(warnings)")
        for i in [0, 1, 75, 149, 150, 199, 201, 299] {
            XCTAssertEqual(try accuracy(index, "pretrain/data=\(i + 1)k"), [.double(Double(i) / 1000)], "run \(i)")
        }
        XCTAssertEqual(try count(index, "runs"), 299)
        XCTAssertEqual(try stamped(index), 299, "the build's runs got their stamp, the new ones theirs")
    }

    func testARecordChangedInPlaceIsReadAgainEvenWithItsSizeAndMtimePutBack() throws {
        let f = try fixture()
        let r = f.records[2]
        let file = f.store.root + "/records/" + String(r.key.hex.prefix(2)) + "/" + r.key.hex + ".json"
        var before = stat()
        XCTAssertEqual(stat(file, &before), 0)
        let text = try String(contentsOfFile: file, encoding: .utf8)
        let edited = text.replacingOccurrences(of: "\"accuracy\":0.7", with: "\"accuracy\":0.2")
        XCTAssertNotEqual(edited, text)
        chmod(file, 0o644)
        try Data(edited.utf8).write(to: URL(fileURLWithPath: file))
        var times = [before.st_atim, before.st_mtim]
        XCTAssertEqual(utimensat(AT_FDCWD, file, &times, 0), 0)
        try f.index.sync(with: f.store, now: later)
        XCTAssertEqual(try accuracy(f.index, "pretrain/data=10k"), [.double(0.2)])
    }

    func testStampsOfJustWrittenFilesAreNotKeptSoTheyAreReadAgain() throws {
        let dir = try makeTempDir(self)
        let store = try Store(root: dir + "/store")
        try store.write(makeRecord(axes: [("data", "1k")], metrics: ["accuracy": 0.5]))
        let index = try ResultsIndex(path: dir + "/results.sqlite")
        XCTAssertEqual(try index.sync(with: store), .init(inserted: 1, deleted: 0))
        XCTAssertEqual(try stamped(index), 0, "written within the racy window: no stamp")
        XCTAssertEqual(try index.sync(with: store, now: later), .init(inserted: 0, deleted: 0))
        XCTAssertEqual(try stamped(index), 1, "read again, and now old enough to trust")
    }

    func testRunsAddedByABuildGetTheirStampOnTheNextSync() throws {
        let f = try fixture()
        let fresh = makeRecord(axes: [("data", "100k")], metrics: ["accuracy": 0.95])
        try f.store.write(fresh)
        XCTAssertEqual(try f.index.add([fresh]), 1)
        XCTAssertEqual(try stamped(f.index), 3)
        XCTAssertEqual(try f.index.sync(with: f.store, now: later), .init(inserted: 0, deleted: 0))
        XCTAssertEqual(try stamped(f.index), 4)
        XCTAssertEqual(try accuracy(f.index, "pretrain/data=100k"), [.double(0.95)])
    }

    func testARunAddedByABuildIsReplacedWhenItsFileHoldsAnotherRecordOfTheKey() throws {
        let f = try fixture()
        let fresh = makeRecord(axes: [("data", "100k")], metrics: ["accuracy": 0.95])
        try f.store.write(fresh)
        XCTAssertEqual(try f.index.add([fresh]), 1)
        // Another build forces the node before this index syncs: same key, another value.
        var rerun = fresh
        rerun.metrics = ["accuracy": 0.15]
        try Store(root: f.store.root).writeRunRecord(rerun)
        XCTAssertEqual(try f.index.add([rerun]), 0, "a build's add skips a key already indexed")
        try f.index.sync(with: f.store, now: later)
        XCTAssertEqual(try accuracy(f.index, "pretrain/data=100k"), [.double(0.15)])
    }
}
