import Foundation
import XCTest
import XGraphCore
import XGraphResults

final class ResultTableTests: XCTestCase {
    private let table = ResultTable(
        columns: ["node", "accuracy", "n"],
        rows: [["a,b", 0.76341, 3], ["say \"hi\"", 12.5, 10], ["line\nbreak", .null, .null]])

    func testCSVQuotesCommasQuotesAndLineBreaks() {
        XCTAssertEqual(table.render(.csv), #"""
            node,accuracy,n
            "a,b",0.76341,3
            "say ""hi""",12.5,10
            "line
            break",,

            """#, "every record ends in a newline, the last one too")
    }

    func testJSONIsAnArrayOfObjectsThatParses() throws {
        let text = table.render(.json)
        let parsed = try JSONValue.parse(Data(text.utf8))
        XCTAssertEqual(parsed, .array([
            ["node": "a,b", "accuracy": 0.76341, "n": 3],
            ["node": "say \"hi\"", "accuracy": 12.5, "n": 10],
            ["node": "line\nbreak", "accuracy": .null, "n": .null],
        ]))
        XCTAssertEqual(text, parsed.canonical, "canonical form")
    }

    func testTextAlignsColumnsAndRightAlignsNumbersWithFourDecimals() {
        let t = ResultTable(columns: ["node", "accuracy", "n"],
                            rows: [["pretrain/a", 0.76341, 3], ["b", 12.5, 10], ["c", .null, .null]],
                            title: "accuracy")
        XCTAssertEqual(t.render(.table), """
            accuracy
            node        accuracy   n
            ----------  --------  --
            pretrain/a    0.7634   3
            b            12.5000  10
            c                  -   -
            """)
    }

    func testTinyAndHugeFloatsUseExponentForm() {
        let t = ResultTable(columns: ["x"], rows: [[0.00001234], [0.0], [2.5e13]])
        XCTAssertEqual(t.render(.table).split(separator: "\n").dropFirst(2).map { $0.trimmingCharacters(in: .whitespaces) },
                       ["1.234e-05", "0", "2.5e+13"])
    }

    /// Axes keep their names beside a metric of the same name; headers stay distinct even when
    /// a metric is literally called `metric:epochs`.
    func testHeadersAreDistinctWhateverTheMetricsAreCalled() {
        let fields: [ResultField] = [.own("node"), .axis("epochs"), .metric("epochs"), .metric("metric:epochs"),
                                     .metric("node"), .run("commit"), .axis("commit")]
        XCTAssertEqual(ResultField.headers(fields),
                       ["node", "epochs", "metric:epochs", "metric:metric:epochs", "metric:node", "commit", "axis:commit"])
        let t = ResultTable(fields: [.own("node"), .axis("epochs"), .metric("epochs")], groups: ["axes", "metrics", "run"],
                            rows: [["n", "10", 7.0]])
        XCTAssertEqual(t.render(.json), #"[{"axes":{"epochs":"10"},"metrics":{"epochs":7.0},"node":"n","run":{}}]"#)
    }
}
