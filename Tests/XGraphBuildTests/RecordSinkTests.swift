import Foundation
import XCTest
import XGraphBuild
import XGraphCore
import XGraphResults
import XGraphStore

/// A build hands each record it writes to `BuildOptions.records` as nodes finish, and flushes
/// once at the end, instead of keeping every record in its summary (memory grew with
/// the executed nodes).
final class RecordSinkTests: XCTestCase {
    final class Collecting: RecordSink, @unchecked Sendable {
        let lock = NSLock()
        var keys: [Digest] = []
        var flushes = 0
        var recordedBeforeFlush = 0
        func recorded(_ record: ActionRecord) { lock.withLock { keys.append(record.key) } }
        func flush() { lock.withLock { flushes += 1; recordedBeforeFlush = keys.count } }
    }

    func testEveryWrittenRecordReachesTheSinkBeforeTheBuildReturns() async throws {
        let h = try BuilderHarness()
        try h.write("exp.yaml", Specs.study())
        let sink = Collecting()
        var options = BuildOptions(jobs: 4)
        options.records = sink
        let first = try await h.build(FakeExecutor(), options: options)
        XCTAssertEqual(first.ran.count, 12)
        XCTAssertEqual(sink.flushes, 1)
        XCTAssertEqual(sink.recordedBeforeFlush, 12)
        let stored = try Store(root: h.dir + "/cache").allRecords().map(\.key)
        XCTAssertEqual(Set(sink.keys), Set(stored))
        // A null build writes nothing and opens nothing.
        _ = try await h.build(FakeExecutor(), options: options)
        XCTAssertEqual(sink.keys.count, 12)
    }

    func testTheIndexWriterAddsRecordsInBatchesAndTheRestAtFlush() async throws {
        let h = try BuilderHarness()
        try h.write("exp.yaml", Specs.study())
        let path = h.dir + "/cache/results.sqlite"
        let writer = IndexWriter(path: path, batchSize: 5)
        var options = BuildOptions(jobs: 1)
        options.records = writer
        _ = try await h.build(FakeExecutor(), options: options)
        let index = try ResultsIndex(path: path)
        let indexed = try index.durations(step: "train").map(\.node) + index.durations(step: "eval").map(\.node)
        let stored = try Store(root: h.dir + "/cache").allRecords().map(\.node)
        XCTAssertEqual(indexed.count, 12)
        XCTAssertEqual(Set(indexed), Set(stored))
    }
}
