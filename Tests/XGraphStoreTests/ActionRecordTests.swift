import Foundation
import XCTest
import XGraphCore
import XGraphStore

final class ActionRecordTests: StoreTestCase {
    func testRecordRoundTripsThroughTheStore() throws {
        let store = try makeStore()
        let r = sampleRecord(key: Digest.of("k1"), output: Digest.of("out1"))
        try store.write(r)
        XCTAssertEqual(try store.record(forKey: r.key), r)
        XCTAssertEqual(try Store(root: store.root).record(forKey: r.key), r)
        XCTAssertEqual(try store.allRecords(), [r])
        XCTAssertNil(try store.record(forKey: Digest.of("nothing")))
    }

    func testRecordFileIsCanonicalJSONWithISODates() throws {
        let store = try makeStore()
        let key = Digest.of("k1")
        try store.write(sampleRecord(key: key, output: Digest.of("out1")))
        let path = "\(store.root)/records/\(key.hex.prefix(2))/\(key.hex).json"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(text.contains("\"end\":\"2026-09-21T"), text)
        XCTAssertTrue(text.contains(".250Z\""), text)
        // Sorted keys: "axes" comes before "inputs", which comes before "version".
        let axes = try XCTUnwrap(text.range(of: "\"axes\"")).lowerBound
        let inputs = try XCTUnwrap(text.range(of: "\"inputs\"")).lowerBound
        let version = try XCTUnwrap(text.range(of: "\"version\"")).lowerBound
        XCTAssertLessThan(axes, inputs)
        XCTAssertLessThan(inputs, version)
    }

    func testSecondWriteForAKeyKeepsTheFirst() throws {
        let store = try makeStore()
        let key = Digest.of("k")
        let first = sampleRecord(key: key, output: Digest.of("a"), metric: 0.1)
        let second = sampleRecord(key: key, output: Digest.of("b"), metric: 0.9)
        XCTAssertEqual(try store.write(first), first)
        XCTAssertEqual(try store.write(second), first)
        // Also when the second writer is another Store that has not seen the first record.
        XCTAssertEqual(try Store(root: store.root).write(second), first)
        XCTAssertEqual(try store.record(forKey: key), first)
        XCTAssertEqual(store.outputDigest(forKey: key), Digest.of("a"))
        XCTAssertEqual(try store.allRecords().count, 1)
    }

    func testOutputDigestSeesRecordsWrittenByAnotherStore() throws {
        let a = try makeStore()
        let k1 = Digest.of("k1"), k2 = Digest.of("k2")
        try a.write(sampleRecord(key: k1, output: Digest.of("o1")))
        XCTAssertEqual(a.outputDigest(forKey: k1), Digest.of("o1"))  // a's key map is loaded now
        let b = try Store(root: a.root)
        XCTAssertEqual(b.outputDigest(forKey: k1), Digest.of("o1"))
        try b.write(sampleRecord(key: k2, output: Digest.of("o2")))
        XCTAssertEqual(a.outputDigest(forKey: k2), Digest.of("o2"))
        XCTAssertNil(a.outputDigest(forKey: Digest.of("k3")))
    }

    func testTornLastLineOfKeyLogIsIgnoredAndRecordsAreTheFallback() throws {
        let store = try makeStore()
        let k1 = Digest.of("k1"), k2 = Digest.of("k2"), k3 = Digest.of("k3")
        try store.write(sampleRecord(key: k1, output: Digest.of("o1")))
        try store.write(sampleRecord(key: k2, output: Digest.of("o2")))
        let log = store.root + "/keys.log"
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        XCTAssertTrue(lines[0].hasPrefix("\(k1.hex) \(Digest.of("o1").hex) "), "\(lines)")
        XCTAssertTrue(lines[1].hasPrefix("\(k2.hex) \(Digest.of("o2").hex) "), "\(lines)")
        // kill -9 mid-append: k2's line lost its end, and k3 was never recorded at all.
        let text = "\(lines[0])\n\(k2.hex) \(Digest.of("o2").hex.prefix(30))"
            + "\n\(k3.hex) \(Digest.of("o3").hex.prefix(10))"
        try Data(text.utf8).write(to: URL(fileURLWithPath: log))

        let fresh = try Store(root: store.root)
        XCTAssertEqual(fresh.outputDigest(forKey: k1), Digest.of("o1"))
        XCTAssertEqual(fresh.outputDigest(forKey: k2), Digest.of("o2"))  // from its record file
        XCTAssertNil(fresh.outputDigest(forKey: k3))
        // Appending after the torn line still works for later readers.
        let k4 = Digest.of("k4")
        try fresh.write(sampleRecord(key: k4, output: Digest.of("o4")))
        XCTAssertEqual(try Store(root: store.root).outputDigest(forKey: k4), Digest.of("o4"))
    }

    func testLastKeyPerNodePersists() throws {
        let store = try makeStore()
        XCTAssertNil(store.lastKey(forNode: "a/x=1"))
        try store.setLastKey(Digest.of("k1"), forNode: "a/x=1")
        try store.setLastKey(Digest.of("k2"), forNode: "a/x=1")
        try store.setLastKey(Digest.of("k3"), forNode: "a/x=2")
        // Names are free text: a backslash or a newline must not break the log's lines.
        let odd = "a/x=line\\nbreak\nhere"
        try store.setLastKey(Digest.of("k4"), forNode: odd)
        let fresh = try Store(root: store.root)
        XCTAssertEqual(fresh.lastKey(forNode: "a/x=1"), Digest.of("k2"))
        XCTAssertEqual(fresh.lastKey(forNode: "a/x=2"), Digest.of("k3"))
        XCTAssertEqual(fresh.lastKey(forNode: odd), Digest.of("k4"))
        XCTAssertNil(fresh.lastKey(forNode: "a/x=line"))
        XCTAssertEqual(store.lastKey(forNode: "a/x=1"), Digest.of("k2"), "the writer's own cache agrees")
    }

    func testTornLastLineOfNodeLogIsSkipped() throws {
        let store = try makeStore()
        try store.setLastKey(Digest.of("k1"), forNode: "a/x=1")
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: store.root + "/nodes.log"))
        h.seekToEndOfFile()
        h.write(Data(Digest.of("k2").hex.prefix(30).utf8))
        try h.close()
        XCTAssertEqual(try Store(root: store.root).lastKey(forNode: "a/x=1"), Digest.of("k1"))
    }

    func testRecordWithOtherOptionalFieldsRoundTrips() throws {
        let store = try makeStore()
        var r = sampleRecord(key: Digest.of("k2"), output: Digest.of("out2"))
        r.provenance.gitCommit = nil; r.provenance.gitBranch = nil; r.provenance.gitDirty = nil
        r.provenance.gitDiffDigest = nil; r.provenance.gpuModel = "NVIDIA H100 80GB HBM3"
        r.provenance.exitStatus = 0; r.provenance.gpuIDs = []
        r.params = .object(["name": "a \"quoted\" \\ value\n", "nested": .object(["x": .array([.null, .bool(false), .double(1e-9)])])])
        r.metrics = .object([:])
        r.inputs = [:]
        try store.write(r)
        XCTAssertEqual(try Store(root: store.root).record(forKey: r.key), r)
    }

    func testStoreRejectsAnotherLayoutVersion() throws {
        let store = try makeStore()
        try Data("99\n".utf8).write(to: URL(fileURLWithPath: store.root + "/VERSION"))
        XCTAssertThrowsError(try Store(root: store.root)) { error in
            XCTAssertTrue("\(error)".contains("version 99"), "\(error)")
            XCTAssertTrue("\(error)".contains("--store"), "says what to do: \(error)")
        }
    }
}
