import Foundation
import XCTest

/// A commit pins down only the code git tracks. A run whose `code:` holds a file git ignores (or
/// does not track, or that lies outside the repository) is marked in its record and in every
/// output with the digest of that code, so two runs at one commit with different such code never
/// read as the same code, and `diff` says where it differs.
final class UntrackedCodeTests: XCTestCase {
    private func project() throws -> CLIHarness {
        let h = try CLIHarness()
        try h.write("exp.yaml", """
            steps:
              train:
                code: [lib]
                command: cat lib/tracked.sh lib/local.cfg > {{ out }}/o; cp acc.json {{ out }}/metrics.json
              plain:
                code: [tracked.sh]
                command: cat tracked.sh > {{ out }}/o

            """)
        try h.write("acc.json", #"{"acc": 1}"#)
        try h.write("tracked.sh", "echo tracked\n")
        try h.write("lib/tracked.sh", "echo tracked\n")
        try h.write("lib/local.cfg", "lr=1\n")
        try h.write(".gitignore", "cache/\nlib/local.cfg\n")
        try h.git("init", "-q", "-b", "main")
        try h.git("add", ".")
        try h.git("commit", "-q", "-m", "first")
        return h
    }

    func testRunsWithDifferentIgnoredCodeAtOneCommitAreMarkedApart() throws {
        let h = try project()
        XCTAssertEqual(try h.run(["build", "exp.yaml"]).status, 0)
        try h.write("lib/local.cfg", "lr=2\n")
        XCTAssertEqual(try h.run(["build", "exp.yaml"]).status, 0)

        let all = try h.run(["results", "exp.yaml", "--all", "--step", "train", "--format", "csv"])
        XCTAssertEqual(all.status, 0, all.all)
        let labels = Set(all.out.split(separator: "\n").compactMap { line in
            line.split(separator: ",").first { $0.contains("+untracked:") }.map(String.init)
        })
        XCTAssertEqual(labels.count, 2, "two runs of one commit, each marked with its own digest:\n\(all.out)")
        XCTAssertFalse(all.out.contains("-dirty"), "git itself sees nothing uncommitted:\n\(all.out)")

        let plain = try h.run(["results", "exp.yaml", "--step", "plain", "--format", "csv"])
        XCTAssertFalse(plain.out.contains("+untracked"), "tracked code is not marked:\n\(plain.out)")

        let sql = try h.run(["results", "--sql", "SELECT node FROM runs WHERE untracked_code IS NOT NULL", "--format", "csv"])
        XCTAssertEqual(sql.out.split(separator: "\n").filter { $0 == "train" }.count, 2, sql.all)
    }

    func testDiffSaysWhenTheIgnoredCodeOfTwoCommitsRunsDiffers() throws {
        let h = try project()
        XCTAssertEqual(try h.run(["build", "exp.yaml"]).status, 0)
        try h.write("README", "second\n")
        try h.git("add", "README")
        try h.git("commit", "-q", "-m", "second")
        try h.write("lib/local.cfg", "lr=2\n")
        XCTAssertEqual(try h.run(["build", "exp.yaml"]).status, 0)
        let diff = try h.run(["diff", "HEAD~1", "HEAD"])
        XCTAssertEqual(diff.status, 0, diff.all)
        XCTAssertTrue(diff.all.contains("code git does not track"), diff.all)
        XCTAssertTrue(diff.all.contains("train"), diff.all)
    }

    /// Revisions resolve in the repository of the experiment file, where the build read its
    /// commit, not in the repository of the folder xgraph runs in.
    func testCommitResolvesInTheExperimentFilesRepository() throws {
        let h = try project()
        XCTAssertEqual(try h.run(["build", "exp.yaml"]).status, 0)
        // Another repository (the folder is the harness user's, as a user's own would be).
        try h.write("elsewhere/.keep", "")
        let other = h.dir.path + "/elsewhere"
        try h.git("-C", other, "init", "-q", "-b", "main")
        try h.git("-C", other, "commit", "-q", "--allow-empty", "-m", "unrelated")
        let r = try h.run(["results", h.dir.path + "/exp.yaml", "--store", h.dir.path + "/cache", "--commit", "HEAD",
                           "--format", "csv"], cwd: other)
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertTrue(r.out.contains("train"), r.all)
    }
}

/// `results --all` lists every run, the records a re-run replaced (`--force`) included, marked
/// `replaced`; the current view never shows them.
final class ReplacedRunsTests: XCTestCase {
    func testResultsAllShowsARecordReplacedByForceMarkedReplaced() throws {
        let h = try CLIHarness()
        try h.write("exp.yaml", """
            steps:
              train:
                command: cat n.json > {{ out }}/metrics.json

            """)
        try h.write("n.json", #"{"acc": 0.25}"#)
        XCTAssertEqual(try h.run(["build", "exp.yaml"]).status, 0)
        try h.write("n.json", #"{"acc": 0.75}"#)
        XCTAssertEqual(try h.run(["build", "exp.yaml", "--force", "train"]).status, 0)

        let all = try h.run(["results", "exp.yaml", "--all", "--format", "csv"])
        XCTAssertEqual(all.status, 0, all.all)
        let lines = all.out.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.contains { $0.contains("0.25") && $0.hasSuffix(",replaced") }, all.out)
        XCTAssertTrue(lines.contains { $0.contains("0.75") && !$0.contains("replaced") }, all.out)

        let current = try h.run(["results", "exp.yaml", "--format", "csv"])
        XCTAssertFalse(current.out.contains("0.25"), current.out)
        XCTAssertTrue(current.out.contains("0.75"), current.out)
        let json = try h.run(["results", "exp.yaml", "--all", "--format", "json"])
        XCTAssertTrue(json.out.contains(#""status":"replaced""#), json.out)
    }
}
