import Foundation
import XCTest

/// A store whose files were damaged behind xgraph's back (a full disk, a crash of a copy tool,
/// a hand edit): one bad file must not take down `results` or `build`, and `verify --repair`
/// must set it aside so the node builds again.
final class DamagedStoreTests: XCTestCase {
    /// Truncates a record in place, as a full disk or an interrupted copy would.
    private func damage(_ path: String) throws {
        chmod(path, 0o644)
        try Data("{\"node\":\"eval/da".utf8).write(to: URL(fileURLWithPath: path))
    }

    private let victim = "eval/data=10/model=small"

    func testResultsSkipADamagedRecordAndWarnNamingIt() throws {
        let h = try Fixtures.project()
        XCTAssertEqual(try h.run(["build", "exp.yaml"]).status, 0)
        let path = try h.recordPath(node: victim)
        try damage(path)
        let r = try h.run(["results", "exp.yaml", "--step", "eval", "--format", "csv"])
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertTrue(r.err.contains(path), "the warning names the file: \(r.err)")
        XCTAssertTrue(r.err.contains("verify --repair"), "the warning says what to do: \(r.err)")
        XCTAssertTrue(r.out.contains("eval/data=20/model=big"), r.out)
        // The node is listed (results for a file list all its nodes), but with no numbers.
        let row = r.out.split(separator: "\n").first { $0.hasPrefix(victim + ",") }.map(String.init) ?? ""
        XCTAssertFalse(row.hasSuffix(",current"), r.out)
    }

    func testForcingANodeWhoseRecordIsDamagedRebuildsItAndReplacesTheRecord() throws {
        let h = try Fixtures.project()
        XCTAssertEqual(try h.run(["build", "exp.yaml"]).status, 0)
        let path = try h.recordPath(node: victim)
        try damage(path)
        let r = try h.run(["build", "exp.yaml", "--force", victim])
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertEqual(CLIHarness.started(r), [victim], r.all)
        XCTAssertEqual(CLIHarness.node(inRecord: path), victim, "a new record replaced the damaged file")
        let results = try h.run(["results", "exp.yaml", "--step", "eval", "--format", "csv"])
        XCTAssertEqual(results.status, 0, results.all)
        XCTAssertTrue(results.out.contains(victim), results.out)
        XCTAssertFalse(results.err.contains("warning"), results.err)
    }

    func testVerifyReportsADamagedRecordAndRepairSetsItAsideSoTheNodeBuildsAgain() throws {
        let h = try Fixtures.project()
        XCTAssertEqual(try h.run(["build", "exp.yaml"]).status, 0)
        let path = try h.recordPath(node: victim)
        try damage(path)

        let v = try h.run(["verify"])
        XCTAssertEqual(v.status, 1, v.all)
        XCTAssertTrue(v.out.contains(path), v.out)

        let repair = try h.run(["verify", "--repair"])
        XCTAssertEqual(repair.status, 0, repair.all)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path), "moved aside")
        let quarantine = h.dir.path + "/cache/quarantine"
        let kept = try FileManager.default.subpathsOfDirectory(atPath: quarantine)
        XCTAssertTrue(kept.contains { $0.hasSuffix(".json") }, "never deleted: \(kept)")
        XCTAssertTrue(repair.out.contains(quarantine), "says where it went: \(repair.out)")

        _ = try h.takeRan()
        let rebuilt = try h.run(["build", "exp.yaml"])
        XCTAssertEqual(rebuilt.status, 0, rebuilt.all)
        XCTAssertEqual(try h.takeRan(), [victim], rebuilt.all)
        XCTAssertEqual(try h.run(["verify"]).status, 0)
    }
}
