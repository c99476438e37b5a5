import Foundation
import XCTest
import XGraphCore
import XGraphResults
import XGraphStore

final class PivotTests: XCTestCase {
    func testRowsAndColumnsAreOrderedNumericallyBySize() throws {
        var records: [ActionRecord] = []
        for (i, data) in ["30k", "1k", "10k", "3k"].enumerated() {
            for model in ["r50", "r101"] {
                records.append(makeRecord(axes: [("data", data), ("model", model)],
                                          metrics: ["accuracy": .double(Double(i) + (model == "r50" ? 0 : 0.5))]))
            }
        }
        let t = try makeIndex(self, records).index.pivot(ResultsQuery(), rows: ["data"], columns: ["model"], metric: "accuracy")
        XCTAssertEqual(t.columns, ["data", "r101", "r50"])
        XCTAssertEqual(t.column("data"), ["1k", "3k", "10k", "30k"])
        XCTAssertEqual(t.rows[0], ["1k", 1.5, 1.0])
        XCTAssertEqual(t.title, "accuracy by data × model")
    }

    func testColumnAxisSizesAreOrderedNumericallyToo() throws {
        let records = ["10k", "3k", "1k"].map { makeRecord(axes: [("model", "r50"), ("data", $0)], metrics: ["accuracy": 0.5]) }
        let t = try makeIndex(self, records).index.pivot(ResultsQuery(), rows: ["model"], columns: ["data"], metric: "accuracy")
        XCTAssertEqual(t.columns, ["model", "1k", "3k", "10k"])
    }

    func testRunsThatDifferInAnotherAxisAreSplitIntoLeadingColumns() throws {
        let records = [
            makeRecord(step: "finetune", axes: [("data", "1k"), ("model", "r50"), ("task", "voc")], metrics: ["ap": 0.2]),
            makeRecord(step: "finetune", axes: [("data", "1k"), ("model", "r50"), ("task", "coco")], metrics: ["ap": 0.1]),
            makeRecord(step: "finetune", axes: [("data", "3k"), ("model", "r50"), ("task", "coco")], metrics: ["ap": 0.3]),
        ]
        let t = try makeIndex(self, records).index.pivot(ResultsQuery(), rows: ["data"], columns: ["model"], metric: "ap")
        XCTAssertEqual(t.columns, ["task", "data", "r50"])
        XCTAssertEqual(t.rows, [["coco", "1k", 0.1], ["coco", "3k", 0.3], ["voc", "1k", 0.2]])
        XCTAssertEqual(t.title, "ap by data × model (split by task)")
    }

    func testAMissingCellIsNull() throws {
        let records = [
            makeRecord(axes: [("data", "1k"), ("model", "r50")], metrics: ["accuracy": 0.5]),
            makeRecord(axes: [("data", "3k"), ("model", "r101")], metrics: ["accuracy": 0.6]),
        ]
        let t = try makeIndex(self, records).index.pivot(ResultsQuery(), rows: ["data"], columns: ["model"], metric: "accuracy")
        XCTAssertEqual(t.rows, [["1k", .null, 0.5], ["3k", 0.6, .null]])
    }

    func testPivotWithoutColumnAxesHasOneValueColumn() throws {
        let records = [makeRecord(axes: [("data", "1k"), ("model", "r50")], metrics: ["accuracy": 0.5])]
        let t = try makeIndex(self, records).index.pivot(ResultsQuery(), rows: ["data", "model"], columns: [], metric: "accuracy")
        XCTAssertEqual(t.columns, ["data", "model", "accuracy"])
        XCTAssertEqual(t.rows, [["1k", "r50", 0.5]])
    }

    func testSeveralRunsInOneCellAreAnErrorWhenEveryRunIsKept() throws {
        let records = [
            makeRecord(axes: [("data", "1k"), ("model", "r50")], metrics: ["accuracy": 0.5], end: 10),
            makeRecord(axes: [("data", "1k"), ("model", "r50")], metrics: ["accuracy": 0.6], end: 20),
        ]
        let index = try makeIndex(self, records).index
        XCTAssertThrowsError(try index.pivot(ResultsQuery(latestOnly: false), rows: ["data"], columns: ["model"], metric: "accuracy")) {
            XCTAssertTrue("\($0)".contains("pivot cell data=1k, model=r50 holds several runs"), "\($0)")
        }
        XCTAssertEqual(try index.pivot(ResultsQuery(), rows: ["data"], columns: ["model"], metric: "accuracy").rows,
                       [["1k", 0.6]])
    }

    func testUnknownPivotAxisIsAnError() throws {
        let index = try makeIndex(self, [makeRecord(axes: [("data", "1k")], metrics: ["accuracy": 0.5])]).index
        XCTAssertThrowsError(try index.pivot(ResultsQuery(), rows: ["size"], columns: [], metric: "accuracy")) {
            XCTAssertEqual($0 as? XGraphError, .usage("--pivot: unknown axis 'size'; axes that exist: data"))
        }
    }
}
