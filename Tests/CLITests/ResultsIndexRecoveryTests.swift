import Foundation
import XCTest

/// The results index is derived data: whatever state it is in, `results` answers from the records.
final class ResultsIndexRecoveryTests: XCTestCase {
    func testACorruptResultsIndexIsSetAsideAndRebuiltFromTheRecords() throws {
        let h = try Fixtures.project()
        XCTAssertEqual(try h.run(["build", "exp.yaml"]).status, 0)
        let index = h.dir.path + "/cache/results.sqlite"
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: index + suffix) }
        try Data(String(repeating: "not a database ", count: 300).utf8).write(to: URL(fileURLWithPath: index))

        let r = try h.run(["results", "exp.yaml", "--step", "eval", "--format", "csv"])
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertEqual(r.out.split(separator: "\n").count, 7, "a header and six runs: \(r.out)")
        XCTAssertTrue(r.err.contains("rebuilt"), "says so: \(r.err)")
        let aside = try FileManager.default.contentsOfDirectory(atPath: h.dir.path + "/cache")
            .filter { $0.hasPrefix("results.sqlite.corrupt") && !$0.hasSuffix("-wal") && !$0.hasSuffix("-shm") }
        XCTAssertEqual(aside.count, 1, "the damaged file is kept for a post-mortem")

        let again = try h.run(["results", "exp.yaml", "--step", "eval", "--format", "csv"])
        XCTAssertEqual(again.out, r.out)
        XCTAssertFalse(again.err.contains("rebuilt"), again.err)
    }

    func testResultsAnswerForAStoreTheUserCannotWrite() throws {
        let h = try Fixtures.project()
        XCTAssertEqual(try h.run(["build", "exp.yaml"]).status, 0)
        let cache = h.dir.path + "/cache"
        let index = cache + "/results.sqlite"
        // A store another user owns, or on a read-only mount: nobody may write a byte there.
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: index + suffix) }
        XCTAssertEqual(try CLIHarness.status(of: "/bin/chmod", ["-R", "a-w", cache]), 0)
        defer { _ = try? CLIHarness.status(of: "/bin/chmod", ["-R", "u+w", cache]) }
        let before = try snapshot(cache)

        let sql = ["results", "--sql", "SELECT count(*) AS n FROM runs WHERE step = 'eval'", "--format", "csv"]
        let r = try h.runAsStoreReader(sql)
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertEqual(r.out.split(separator: "\n").last, "6", r.all)
        XCTAssertEqual(try snapshot(cache), before, "nothing written")

        // Also when the store has no index yet.
        XCTAssertEqual(try CLIHarness.status(of: "/bin/chmod", ["-R", "u+w", cache]), 0)
        try FileManager.default.removeItem(atPath: index)
        XCTAssertEqual(try CLIHarness.status(of: "/bin/chmod", ["-R", "a-w", cache]), 0)
        let fresh = try h.runAsStoreReader(sql)
        XCTAssertEqual(fresh.status, 0, fresh.all)
        XCTAssertEqual(fresh.out.split(separator: "\n").last, "6", fresh.all)
    }

    private func snapshot(_ dir: String) throws -> [String] {
        try FileManager.default.subpathsOfDirectory(atPath: dir).sorted()
    }
}
