import Foundation
import XCTest

/// The results index must never answer with a record the store no longer holds: whatever
/// happened to the records since the last `results` (a rebuild that replaced one with another
/// value, a record deleted or set aside, one damaged in place, one written by another process),
/// the next `results` or `report` shows what the records say now.
final class ResultsIndexFreshnessTests: XCTestCase {
    /// Each run's score is read from `value.txt`, which is not part of the key: forcing a node
    /// replaces its record (same key) with another value, as a nondeterministic step would.
    private static let experiment = """
        steps:
          measure:
            foreach: { n: [1, 2] }
            command: |
              echo "{\\"score\\": $(cat value.txt)}" > {{ out }}/metrics.json

        """

    private func project(value: String = "1") throws -> CLIHarness {
        let h = try CLIHarness()
        try h.write("exp.yaml", Self.experiment)
        try h.write("value.txt", value + "\n")
        XCTAssertEqual(try h.run(["build", "exp.yaml"]).status, 0)
        // Record files changed in the last 2 s are read on every sync (their stat may not have
        // moved yet); waiting makes the first `results` keep the stamps, so that what follows
        // tests the index trusting them.
        Thread.sleep(forTimeInterval: 2.2)
        return h
    }

    /// How many runs carry the stat of their record file (are trusted while it holds).
    private func stamped(_ h: CLIHarness) throws -> String {
        let r = try h.run(["results", "--sql", "SELECT count(*) AS n FROM record_files WHERE inode IS NOT NULL", "--format", "csv"])
        XCTAssertEqual(r.status, 0, r.all)
        return r.out.split(separator: "\n").last.map(String.init) ?? ""
    }

    /// The `score` and `status` cells of `node` in `results exp.yaml`, as text ("" when empty),
    /// and what the command wrote on standard error.
    private func row(_ h: CLIHarness, _ node: String, args: [String] = []) throws -> (score: String, status: String, err: String) {
        let r = try h.run(["results", "exp.yaml", "--format", "csv"] + args)
        XCTAssertEqual(r.status, 0, r.all)
        let lines = r.out.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let header = (lines.first ?? "").split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard let scoreColumn = header.firstIndex(of: "score"), let statusColumn = header.firstIndex(of: "status"),
              let line = lines.first(where: { $0.hasPrefix(node + ",") }) else {
            XCTFail("no row for \(node): \(r.all)")
            return ("", "", r.err)
        }
        let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard cells.count == header.count else { XCTFail("ragged row: \(line)"); return ("", "", r.err) }
        // Numbers as `%g` writes them ("1.0" → "1"), so expectations read as the values written.
        let score = Double(cells[scoreColumn]).map { String(format: "%g", $0) } ?? cells[scoreColumn]
        return (score, cells[statusColumn], r.err)
    }

    /// How many runs the index holds, as `results --sql` (which syncs first) counts them.
    private func indexedRuns(_ h: CLIHarness) throws -> String {
        let r = try h.run(["results", "--sql", "SELECT count(*) AS n FROM runs", "--format", "csv"])
        XCTAssertEqual(r.status, 0, r.all)
        return r.out.split(separator: "\n").last.map(String.init) ?? ""
    }

    /// The record's text with its score replaced, keeping its length when the new value has the
    /// length of the old one (so only the stat times or the inode tell the files apart).
    private func rewrittenScore(_ path: String, from old: String, to new: String) throws -> Data {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let replaced = text.replacingOccurrences(of: "\"score\":\(old)", with: "\"score\":\(new)")
        XCTAssertNotEqual(replaced, text, "the record holds \"score\":\(old): \(text)")
        return Data(replaced.utf8)
    }

    private let node = "measure/n=1"

    func testAForcedRebuildThatRecordsAnotherValueReplacesTheIndexedOne() throws {
        let h = try project(value: "1")
        XCTAssertEqual(try row(h, node).score, "1")
        try h.write("value.txt", "7\n")
        XCTAssertEqual(try h.run(["build", "exp.yaml", "--force", node]).status, 0)
        let after = try row(h, node)
        XCTAssertEqual(after.score, "7", "the new record's value, not the indexed one")
        XCTAssertEqual(after.status, "current")
        XCTAssertEqual(try indexedRuns(h), "2", "the replaced record's row went")
    }

    func testARecordReplacedByAnotherProcessBetweenTwoResultsIsReadAgain() throws {
        let h = try project(value: "1")
        XCTAssertEqual(try row(h, node).score, "1")
        XCTAssertEqual(try stamped(h), "2", "the index trusts both record files while they stay as they are")
        // Another process renames a new record over the old one: same key, same size.
        let path = try h.recordPath(node: node)
        let replacement = path + ".new"
        try rewrittenScore(path, from: "1", to: "3").write(to: URL(fileURLWithPath: replacement))
        XCTAssertEqual(rename(replacement, path), 0)
        XCTAssertEqual(try row(h, node).score, "3")

        // And one that rewrites the file in place, same size (a hand edit; mtime put back).
        var before = stat()
        XCTAssertEqual(stat(path, &before), 0)
        let edited = try rewrittenScore(path, from: "3", to: "4")
        chmod(path, 0o644)
        try edited.write(to: URL(fileURLWithPath: path))
        var times = [before.st_atim, before.st_mtim]
        XCTAssertEqual(utimensat(AT_FDCWD, path, &times, 0), 0)
        XCTAssertEqual(try row(h, node).score, "4", "the change time moved, so the file is read again")
        XCTAssertEqual(try row(h, "measure/n=2").score, "1", "the other record is untouched")
    }

    func testADeletedRecordLeavesTheIndex() throws {
        let h = try project()
        XCTAssertEqual(try row(h, node).status, "current")
        XCTAssertEqual(try indexedRuns(h), "2")
        XCTAssertEqual(try stamped(h), "2")
        // As a garbage collector (or a user) would: the record file goes.
        try FileManager.default.removeItem(atPath: try h.recordPath(node: node))
        let after = try row(h, node)
        XCTAssertEqual(after.score, "", "no numbers for a node whose record is gone")
        XCTAssertEqual(after.status, "never built")
        XCTAssertEqual(try indexedRuns(h), "1")
    }

    func testARecordDamagedAfterItWasIndexedIsNotShownAndRepairKeepsItOut() throws {
        let h = try project()
        XCTAssertEqual(try row(h, node).score, "1")
        XCTAssertEqual(try stamped(h), "2")
        let path = try h.recordPath(node: node)
        chmod(path, 0o644)
        try Data("{\"node\":\"measure/n".utf8).write(to: URL(fileURLWithPath: path))
        let damaged = try row(h, node)
        XCTAssertEqual(damaged.score, "", "the damaged record's old numbers are not shown")
        XCTAssertNotEqual(damaged.status, "current")
        XCTAssertTrue(damaged.err.contains(path), "warns naming the file: \(damaged.err)")
        let again = try row(h, node)
        XCTAssertTrue(again.err.contains(path), "warns on every run while the file is there: \(again.err)")

        XCTAssertEqual(try h.run(["verify", "--repair"]).status, 0)
        let repaired = try row(h, node)
        XCTAssertEqual(repaired.score, "")
        XCTAssertFalse(repaired.err.contains("warning"), repaired.err)
        XCTAssertEqual(try indexedRuns(h), "1")
    }

    func testAStoreTheUserCannotWriteAnswersWithTheRecordsAsTheyAreNow() throws {
        let h = try project(value: "1")
        XCTAssertEqual(try row(h, node).score, "1", "the index file now holds the old value")
        let path = try h.recordPath(node: node)
        let replacement = path + ".new"
        try rewrittenScore(path, from: "1", to: "5").write(to: URL(fileURLWithPath: replacement))
        XCTAssertEqual(rename(replacement, path), 0)

        let cache = h.dir.path + "/cache"
        XCTAssertEqual(try CLIHarness.status(of: "/bin/chmod", ["-R", "a-w", cache]), 0)
        defer { _ = try? CLIHarness.status(of: "/bin/chmod", ["-R", "u+w", cache]) }
        let listing = try FileManager.default.subpathsOfDirectory(atPath: cache).sorted()
        // `results` as a user who may not write the store (root ignores the mode bits).
        let r = try h.runAsStoreReader(["results", "exp.yaml", "--format", "csv"])
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertTrue(r.out.contains(node + ",1,5.0,"), "the record's value, from an index built in memory: \(r.all)")
        let report = try h.runAsStoreReader(["report", "exp.yaml", "--series", "n", "--size-axis", "n",
                                          "-o", FileManager.default.temporaryDirectory.path + "/xgraph-freshness-\(getpid()).html"])
        XCTAssertEqual(report.status, 0, report.all)
        XCTAssertEqual(try FileManager.default.subpathsOfDirectory(atPath: cache).sorted(), listing, "nothing written")
    }
}
