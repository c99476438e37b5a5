import Foundation
import XCTest
import XGraphCore
import XGraphResults
import XGraphStore

final class ResultsIndexTests: XCTestCase {
    private let records = [
        makeRecord(axes: [("data", "1k"), ("model", "r50")], metrics: ["accuracy": 0.5, "eval": ["loss": 1.5, "note": "x"]],
                   params: ["lr": 0.1, "opt": ["name": "sgd"]], start: 0, end: 12),
        makeRecord(axes: [("data", "3k"), ("model", "r50")], metrics: ["accuracy": 0.6], start: 0, end: 20),
        makeRecord(step: "finetune", axes: [("data", "1k"), ("model", "r50"), ("task", "coco")],
                   metrics: ["ap": 0.3], start: 30, end: 35),
    ]

    private func count(_ index: ResultsIndex, _ table: String) throws -> Int {
        try XCTUnwrap(index.sql("SELECT count(*) FROM \(table)").rows.first?.first?.intValue)
    }

    func testSyncInsertsThenASecondSyncWithTheSameRecordsChangesNothing() throws {
        let dir = try makeTempDir(self)
        let index = try ResultsIndex(path: dir + "/results.sqlite")
        XCTAssertEqual(try index.sync(with: records), .init(inserted: 3, deleted: 0))
        XCTAssertEqual(try count(index, "runs"), 3)
        XCTAssertEqual(try index.sync(with: records), .init(inserted: 0, deleted: 0))
        XCTAssertEqual(try count(index, "runs"), 3)
        XCTAssertEqual(try count(index, "axes"), 7)
    }

    func testSyncAddsNewRecordsAndDeletesRowsWhoseRecordIsGone() throws {
        let fixture = try makeIndex(self, records)
        let extra = makeRecord(axes: [("data", "10k"), ("model", "r50")], metrics: ["accuracy": 0.7])
        let summary = try fixture.index.sync(with: [records[0], records[2], extra])
        XCTAssertEqual(summary, .init(inserted: 1, deleted: 1))
        XCTAssertEqual(Set(try fixture.index.sql("SELECT node FROM runs").rows.map { $0[0] }),
                       [.string("pretrain/data=1k/model=r50"), .string("finetune/data=1k/model=r50/task=coco"),
                        .string("pretrain/data=10k/model=r50")])
        XCTAssertEqual(try count(fixture.index, "metrics"), 4, "the deleted run's metrics went with it")
    }

    func testRebuildGivesTheSameIndexAsSync() throws {
        let synced = try makeIndex(self, records).index
        let dir = try makeTempDir(self)
        let rebuilt = try ResultsIndex(path: dir + "/r.sqlite")
        try rebuilt.sync(with: [makeRecord(axes: [("data", "300M")])])
        try rebuilt.rebuild(from: records)
        for table in ["runs", "axes", "params", "metrics"] {
            let query = "SELECT * FROM \(table) ORDER BY 1, 2, 3"
            XCTAssertEqual(try rebuilt.sql(query), try synced.sql(query), table)
        }
    }

    func testRunRowsCarryProvenanceAndFlattenedParamsAndMetrics() throws {
        let index = try makeIndex(self, records).index
        let run = try index.sql("""
            SELECT git_commit, branch, dirty, gpu_ids, start, "end", duration_s, exit_status, attempt
            FROM runs WHERE node = 'pretrain/data=1k/model=r50'
            """)
        XCTAssertEqual(run.rows, [[.string(commitA), .string("main"), .int(0), .string("0,1"),
                                   .string("2027-01-15T08:00:00.000Z"), .string("2027-01-15T08:00:12.000Z"),
                                   .double(12), .int(0), .int(1)]])
        let metrics = try index.sql("SELECT name, value FROM metrics WHERE key = (SELECT key FROM runs WHERE node = 'pretrain/data=1k/model=r50') ORDER BY name")
        XCTAssertEqual(metrics.rows, [[.string("accuracy"), .double(0.5)], [.string("eval.loss"), .double(1.5)]],
                       "nested objects get dotted names and non-numbers are skipped")
        let params = try index.sql("SELECT name, value_json, value_num FROM params ORDER BY name")
        XCTAssertEqual(params.rows, [[.string("lr"), .string("0.1"), .double(0.1)],
                                     [.string("opt.name"), .string("\"sgd\""), .null]])
        let view = try index.sql("SELECT node, step, duration_s FROM results WHERE step = 'finetune'")
        XCTAssertEqual(view.rows, [[.string("finetune/data=1k/model=r50/task=coco"), .string("finetune"), .double(5)]])
    }

    func testIndexSurvivesReopening() throws {
        let fixture = try makeIndex(self, records)
        let reopened = try ResultsIndex(path: fixture.index.path)
        XCTAssertEqual(try count(reopened, "runs"), 3)
        XCTAssertEqual(try reopened.sync(with: records), .init(inserted: 0, deleted: 0))
    }

    func testAnIndexOfAnotherSchemaVersionIsEmptiedAndRefilled() throws {
        let fixture = try makeIndex(self, records)
        guard (try? runTool("sqlite3", ["-version"], in: fixture.dir)) != nil else {
            throw XCTSkip("needs the sqlite3 tool to write another schema version")
        }
        try runTool("sqlite3", [fixture.index.path, "PRAGMA user_version = 999"], in: fixture.dir)
        let reopened = try ResultsIndex(path: fixture.index.path)
        XCTAssertEqual(try count(reopened, "runs"), 0)
        XCTAssertEqual(try reopened.sync(with: records), .init(inserted: 3, deleted: 0))
        XCTAssertEqual(try reopened.sql("PRAGMA user_version").rows, [[.int(3)]])
    }

    func testDurationsListEveryRunOfTheStep() throws {
        let index = try makeIndex(self, records).index
        let history = try index.durations(step: "pretrain")
        XCTAssertEqual(history.map(\.node), ["pretrain/data=1k/model=r50", "pretrain/data=3k/model=r50"])
        XCTAssertEqual(history.map(\.seconds), [12, 20])
        XCTAssertEqual(history.first?.axes, ["data": "1k", "model": "r50"])
        XCTAssertTrue(try index.durations(step: "nope").isEmpty)
    }

    func testDurationsWithOneAxisGiveThatAxisValueInTheSameOrder() throws {
        let index = try makeIndex(self, records).index
        let full = try index.durations(step: "pretrain")
        let lean = try index.durations(step: "pretrain", axis: "data")
        XCTAssertEqual(lean.map(\.node), full.map(\.node))
        XCTAssertEqual(lean.map(\.seconds), full.map(\.seconds))
        XCTAssertEqual(lean.map(\.value), ["1k", "3k"])
        XCTAssertEqual(try index.durations(step: "pretrain", axis: "seed").map(\.value), [nil, nil],
                       "a run without the axis still counts, with no value")
        XCTAssertEqual(try index.durations(step: "pretrain", axis: nil).count, 2)
        XCTAssertTrue(try index.durations(step: "nope", axis: "data").isEmpty)
    }
}
