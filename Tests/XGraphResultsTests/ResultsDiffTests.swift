import Foundation
import XCTest
import XGraphCore
import XGraphResults

final class ResultsDiffTests: XCTestCase {
    func testDiffComparesNodesPresentAtBothCommits() throws {
        let index = try makeIndex(self, [
            makeRecord(axes: [("data", "1k")], metrics: ["accuracy": 0.5, "loss": 2.0], commit: commitA),
            makeRecord(axes: [("data", "3k")], metrics: ["accuracy": 0.6], commit: commitA),
            makeRecord(axes: [("data", "1k")], metrics: ["accuracy": 0.75, "top5": 0.9], commit: commitB),
            makeRecord(axes: [("data", "10k")], metrics: ["accuracy": 0.8], commit: commitB),
        ]).index
        let t = try index.diff(commitA: "aaaa", commitB: commitB)
        XCTAssertEqual(t.columns, ["node", "metric", "a", "b", "delta"])
        XCTAssertEqual(t.rows, [
            ["pretrain/data=1k", "accuracy", 0.5, 0.75, 0.25],
            ["pretrain/data=1k", "loss", 2.0, .null, .null],
            ["pretrain/data=1k", "top5", .null, 0.9, .null],
        ])
        XCTAssertEqual(t.title, "a = aaaaaaaaaa, b = b100000000")
        XCTAssertEqual(try index.diff(commitA: commitA, commitB: commitB, metrics: ["accuracy"]).rows.count, 1)
        XCTAssertThrowsError(try index.diff(commitA: commitA, commitB: "ffff"))
    }
}
