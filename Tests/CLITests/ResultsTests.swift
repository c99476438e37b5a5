import Foundation
import XCTest

final class ResultsTests: XCTestCase {
    func testResultsTableFiltersPivotsAndFormats() throws {
        let h = try Fixtures.project()
        XCTAssertEqual(try h.run(["build", "exp.yaml"]).status, 0)

        let table = try h.run(["results", "exp.yaml", "--step", "train", "--where", "model=big"])
        XCTAssertEqual(table.status, 0, table.all)
        XCTAssertTrue(table.out.contains("train/data=30/model=big"), table.out)
        XCTAssertFalse(table.out.contains("model=small"), table.out)

        let pivot = try h.run(["results", "exp.yaml", "--step", "train", "--pivot", "data,model", "--metric", "n", "--format", "csv"])
        XCTAssertEqual(pivot.status, 0, pivot.all)
        let lines = pivot.out.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, "data,big,small", pivot.out)
        XCTAssertEqual(lines.dropFirst().first, "10,10.0,10.0", pivot.out)
        XCTAssertEqual(lines.last, "30,30.0,30.0", pivot.out)

        let json = try h.run(["results", "exp.yaml", "--step", "eval", "--format", "json"])
        let rows = try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [[String: Any]]
        XCTAssertEqual(rows?.count, 6, json.out)

        let sql = try h.run(["results", "--sql", "SELECT count(*) AS n FROM runs WHERE step = 'subset'", "--format", "csv"])
        XCTAssertEqual(sql.out.split(separator: "\n").last, "3", sql.all)
    }

    func testCSVOutputEndsWithANewline() throws {
        let h = try Fixtures.project()
        XCTAssertEqual(try h.run(["build", "exp.yaml", "train/data=10/model=small"]).status, 0)
        for args in [["results", "exp.yaml", "--step", "train", "--format", "csv"],
                     ["results", "--sql", "SELECT count(*) AS n FROM runs", "--format", "csv"]] {
            let r = try h.run(args)
            XCTAssertEqual(r.status, 0, r.all)
            XCTAssertTrue(r.out.hasSuffix("\n"), "\(args): \(r.out.debugDescription)")
            XCTAssertFalse(r.out.hasSuffix("\n\n"), "\(args): \(r.out.debugDescription)")
        }
    }

    func testAnUnknownAxisInWhereIsAnError() throws {
        let h = try Fixtures.project()
        XCTAssertEqual(try h.run(["build", "exp.yaml"]).status, 0)
        let r = try h.run(["results", "exp.yaml", "--where", "modle=big"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("modle"), r.err)
    }

    func testRecordsCarryTheGitCommitAndResultsFilterByIt() throws {
        let h = try Fixtures.project()
        try h.write(".gitignore", "cache/\nran.log\n")
        try h.git("init", "-q", "-b", "main")
        try h.git("add", ".")
        try h.git("commit", "-q", "-m", "first")
        XCTAssertEqual(try h.run(["build", "exp.yaml", "train/data=10/model=small"]).status, 0)
        let sql = try h.run(["results", "--sql", "SELECT DISTINCT git_commit, branch, dirty FROM runs", "--format", "csv"])
        let head = try String(contentsOfFile: h.dir.path + "/.git/refs/heads/main", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertTrue(sql.out.contains("\(head),main,0"), sql.all)

        let byCommit = try h.run(["results", "--commit", "HEAD", "--format", "csv"])
        XCTAssertTrue(byCommit.out.contains("train/data=10/model=small"), byCommit.all)
    }

    func testABuildOutsideGitWorksAndSaysSo() throws {
        let h = try Fixtures.project()
        let r = try h.run(["build", "exp.yaml", "subset/data=10"])
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertTrue(r.out.contains("not in a git repository"), r.out)
    }
}
