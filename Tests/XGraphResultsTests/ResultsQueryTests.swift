import Foundation
import XCTest
import XGraphCore
import XGraphResults

final class ResultsQueryTests: XCTestCase {
    /// 2 sizes × 2 models at commit A; r50/1k re-run later at commit B1 with a better result.
    private func grid() throws -> ResultsIndex {
        try makeIndex(self, [
            makeRecord(axes: [("data", "1k"), ("model", "r50")], metrics: ["accuracy": 0.50], end: 10),
            makeRecord(axes: [("data", "1k"), ("model", "r101")], metrics: ["accuracy": 0.55], end: 11),
            makeRecord(axes: [("data", "10k"), ("model", "r50")], metrics: ["accuracy": 0.60], end: 12),
            makeRecord(axes: [("data", "10k"), ("model", "r101")], metrics: ["accuracy": 0.70], end: 13),
            makeRecord(axes: [("data", "1k"), ("model", "r50")], metrics: ["accuracy": 0.52], commit: commitB, end: 20),
            makeRecord(step: "eval", axes: [("model", "r50")], metrics: ["speed": 3], commit: commitB2, end: 30),
        ]).index
    }

    private func nodes(_ t: ResultTable) -> [String] { t.column("node")!.map { $0.stringValue ?? "?" } }

    func testWhereParsesEqualityAndInequality() throws {
        XCTAssertEqual(try AxisFilter.parse("model=r101, data!=300M,task==coco"), [
            AxisFilter(axis: "model", op: .equal, value: "r101"),
            AxisFilter(axis: "data", op: .notEqual, value: "300M"),
            AxisFilter(axis: "task", op: .equal, value: "coco"),
        ])
        XCTAssertThrowsError(try AxisFilter.parse("model"))
        XCTAssertThrowsError(try AxisFilter.parse("=r50"))
    }

    func testTableListsTheLatestRunOfEachNodeWithAxesMetricsAndCommit() throws {
        let t = try grid().table(ResultsQuery(step: "pretrain"))
        XCTAssertEqual(t.columns, ["node", "data", "model", "accuracy", "commit", "duration_s"])
        XCTAssertEqual(nodes(t), ["pretrain/data=1k/model=r101", "pretrain/data=1k/model=r50",
                                  "pretrain/data=10k/model=r101", "pretrain/data=10k/model=r50"])
        let r50 = t.rows[1]
        XCTAssertEqual(r50[3], .double(0.52), "the newer run of the node wins")
        XCTAssertEqual(r50[4], .string(String(commitB.prefix(10))))
    }

    func testLatestOnlyOffKeepsEveryRun() throws {
        let t = try grid().table(ResultsQuery(step: "pretrain", latestOnly: false))
        XCTAssertEqual(t.rows.count, 5)
        XCTAssertEqual(t.column("accuracy")!.filter { [.double(0.50), .double(0.52)].contains($0) }.count, 2)
    }

    func testWhereFiltersRuns() throws {
        let index = try grid()
        let r101 = try index.table(ResultsQuery(filters: try AxisFilter.parse("model=r101")))
        XCTAssertEqual(nodes(r101), ["pretrain/data=1k/model=r101", "pretrain/data=10k/model=r101"])
        let not1k = try index.table(ResultsQuery(filters: try AxisFilter.parse("data!=1k")))
        XCTAssertEqual(nodes(not1k), ["eval/model=r50", "pretrain/data=10k/model=r101", "pretrain/data=10k/model=r50"],
                       "!= keeps runs without the axis")
    }

    func testUnknownAxisIsAnErrorListingTheAxesThatExist() throws {
        XCTAssertThrowsError(try grid().table(ResultsQuery(filters: [AxisFilter(axis: "modle", op: .equal, value: "r50")]))) {
            XCTAssertEqual($0 as? XGraphError, .usage("--where modle=r50: no axis 'modle' among the indexed runs; did you mean 'model'? axes: 'model', 'data'"))
        }
    }

    func testUnknownMetricIsAnErrorListingTheMetricsThatExist() throws {
        XCTAssertThrowsError(try grid().table(ResultsQuery(), metrics: ["acc"])) {
            XCTAssertEqual($0 as? XGraphError, .usage("unknown metric 'acc'; did you mean 'accuracy'? metrics that exist: accuracy, speed"))
        }
    }

    func testCommitFilterTakesAFullIdOrAUniquePrefix() throws {
        let index = try grid()
        XCTAssertEqual(nodes(try index.table(ResultsQuery(commit: commitB))), ["pretrain/data=1k/model=r50"])
        XCTAssertEqual(nodes(try index.table(ResultsQuery(commit: "B1"))), ["pretrain/data=1k/model=r50"])
        let atA = try index.table(ResultsQuery(step: "pretrain", commit: "aaaa"))
        XCTAssertEqual(atA.rows.count, 4)
        XCTAssertEqual(atA.column("accuracy")?[1], .double(0.50), "the latest run at that commit")
        XCTAssertThrowsError(try index.table(ResultsQuery(commit: "b"))) {
            XCTAssertTrue("\($0)".contains("ambiguous"), "\($0)")
        }
        XCTAssertThrowsError(try index.table(ResultsQuery(commit: "c0ffee"))) {
            XCTAssertEqual($0 as? XGraphError, .usage("no results recorded at commit 'c0ffee'"))
        }
    }

    func testNodesRestrictTheSelection() throws {
        let t = try grid().table(ResultsQuery(nodes: ["pretrain/data=10k/model=r50", "eval/model=r50"]))
        XCTAssertEqual(nodes(t), ["eval/model=r50", "pretrain/data=10k/model=r50"])
        XCTAssertEqual(t.columns, ["node", "model", "data", "accuracy", "speed", "commit", "duration_s"],
                       "axes in order of first appearance, metrics by name")
        XCTAssertEqual(t.rows[0][4], .double(3))
        XCTAssertEqual(t.rows[0][3], .null, "a metric the run did not record is empty")
    }

    /// Axes keep the record's order, not the alphabet's, whether the runs are loaded whole
    /// (no step, no commit) or through a filter.
    func testAxesKeepTheRecordsOrderWithAndWithoutAFilter() throws {
        let index = try makeIndex(self, [
            makeRecord(step: "probe", axes: [("task", "t1"), ("mode", "frozen"), ("data", "1k")], metrics: ["acc": 0.5]),
            makeRecord(step: "probe", axes: [("task", "t2"), ("mode", "fine"), ("data", "3k")], metrics: ["acc": 0.6]),
        ]).index
        for q in [ResultsQuery(), ResultsQuery(step: "probe"), ResultsQuery(commit: "a")] {
            let t = try index.table(q)
            XCTAssertEqual(t.columns, ["node", "task", "mode", "data", "acc", "commit", "duration_s"], "\(q)")
            XCTAssertEqual(t.rows.map { $0[1] }, [.string("t1"), .string("t2")], "\(q)")
        }
    }
}
