import Foundation
import XCTest
import XGraphCore
import XGraphResults

final class RawSQLTests: XCTestCase {
    private func index() throws -> ResultsIndex {
        try makeIndex(self, [
            makeRecord(axes: [("data", "1k")], metrics: ["accuracy": 0.5]),
            makeRecord(axes: [("data", "3k")], metrics: ["accuracy": 0.75]),
        ]).index
    }

    func testSelectReturnsColumnsAndRows() throws {
        let t = try index().sql("""
            SELECT a.value AS data, m.value AS accuracy FROM axes a JOIN metrics m USING (key)
            WHERE m.name = 'accuracy' ORDER BY m.value
            """)
        XCTAssertEqual(t.columns, ["data", "accuracy"])
        XCTAssertEqual(t.rows, [["1k", 0.5], ["3k", 0.75]])
    }

    func testStatementsThatWriteAreRefusedAndChangeNothing() throws {
        let index = try index()
        for statement in ["DROP TABLE runs", "INSERT INTO metrics VALUES ('k', 'x', 1)", "DELETE FROM runs",
                          "PRAGMA user_version = 7"] {
            XCTAssertThrowsError(try index.sql(statement), statement) {
                XCTAssertTrue("\($0)".contains("readonly"), "\($0)")
            }
        }
        XCTAssertEqual(try index.sql("SELECT count(*) FROM runs").rows, [[2]])
        XCTAssertEqual(try index.sql("PRAGMA user_version").rows, [[3]])
    }

    func testErrorsCarrySQLitesMessage() throws {
        XCTAssertThrowsError(try index().sql("SELECT nope FROM runs")) {
            XCTAssertEqual($0 as? XGraphError, .usage("sql: no such column: nope"))
        }
    }

    func testTheCurrentViewHoldsTheGivenNodesRunsAndWritesAreStillRefused() throws {
        let index = try index()
        let keys = try index.sql("SELECT key FROM runs ORDER BY key").rows.map { $0[0].display }
        let current = [CurrentNode(node: "a", step: "s", axes: [], key: keys[0]),
                       CurrentNode(node: "b", step: "s", axes: [], key: nil)]
        XCTAssertEqual(try index.sql("SELECT node, step, key FROM current", current: current).rows, [["a", "s", .string(keys[0])]])
        XCTAssertEqual(try index.sql("SELECT count(*), count(key) FROM current_nodes", current: current).rows, [[2, 1]])
        // Asked twice on one index, the view holds the second file's nodes.
        XCTAssertEqual(try index.sql("SELECT node FROM current", current: [CurrentNode(node: "c", step: "s", axes: [], key: keys[1])]).rows, [["c"]])
        XCTAssertThrowsError(try index.sql("DELETE FROM runs", current: current))
        XCTAssertEqual(try index.sql("SELECT count(*) FROM runs").rows, [[2]])
    }

    /// `SELECT a.value, m.value` names two columns `value`; JSON kept one of them.
    func testRepeatedColumnNamesGetSQLitesSuffixInEveryFormat() throws {
        let t = try index().sql("""
            SELECT a.value, m.value FROM axes a JOIN metrics m USING (key) WHERE m.name = 'accuracy' ORDER BY m.value
            """)
        XCTAssertEqual(t.columns, ["value", "value:1"])
        XCTAssertEqual(t.render(.json), #"[{"value":"1k","value:1":0.5},{"value":"3k","value:1":0.75}]"#)
        XCTAssertEqual(t.render(.csv).split(separator: "\n").first, "value,value:1")
    }
}
