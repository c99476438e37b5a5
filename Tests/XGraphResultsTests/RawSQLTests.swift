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
        XCTAssertEqual(try index.sql("PRAGMA user_version").rows, [[2]])
    }

    func testErrorsCarrySQLitesMessage() throws {
        XCTAssertThrowsError(try index().sql("SELECT nope FROM runs")) {
            XCTAssertEqual($0 as? XGraphError, .usage("sql: no such column: nope"))
        }
    }
}
