import Foundation
import XCTest

/// A store inside the project's work tree is neither an uncommitted change nor code.
final class StoreProvenanceTests: XCTestCase {
    static func committedProject() throws -> CLIHarness {
        let h = try CurrentResultsTests.project(lr: "0.1")
        // The steps' own log is the only thing ignored: the default store, cache/, is not.
        try h.write(".gitignore", "ran.log\n")
        try h.git("init", "-q", "-b", "main")
        try h.git("add", ".")
        try h.git("commit", "-q", "-m", "first")
        return h
    }

    static func dirtyFlags(_ h: CLIHarness) throws -> [String] {
        let sql = try h.run(["results", "--sql", "SELECT node, dirty FROM runs ORDER BY node", "--format", "csv"])
        XCTAssertEqual(sql.status, 0, sql.all)
        return sql.out.split(separator: "\n").dropFirst().map(String.init)
    }

    func testResultsBuiltInACleanTreeWithTheDefaultStoreAreNotDirty() throws {
        let h = try Self.committedProject()
        let r = try h.run(["build", "exp.yaml"])
        XCTAssertEqual(r.status, 0, r.all)
        XCTAssertEqual(try Self.dirtyFlags(h), ["eval/seed=1,0", "eval/seed=2,0", "train/seed=1,0", "train/seed=2,0"])
        XCTAssertEqual(try h.read("cache/.gitignore"), "*\n")
    }

    func testAStoreWithoutItsGitignoreStillDoesNotMakeResultsDirty() throws {
        let h = try Self.committedProject()
        XCTAssertEqual(try h.run(["build", "exp.yaml", "train/seed=1"]).status, 0)
        // A store made before stores wrote their .gitignore.
        try? FileManager.default.removeItem(at: h.dir.appendingPathComponent("cache/.gitignore"))
        XCTAssertEqual(try h.run(["build", "exp.yaml"]).status, 0)
        XCTAssertEqual(try Self.dirtyFlags(h), ["eval/seed=1,0", "eval/seed=2,0", "train/seed=1,0", "train/seed=2,0"])
    }

    func testCodeDotHashesNeitherTheStoreNorGitSoARebuildRunsNothing() throws {
        let h = try CLIHarness()
        try h.write("exp.yaml", """
            steps:
              train:
                code: [.]
                command: |
                  echo '{"n": 1}' > {{ out }}/metrics.json

            """)
        try h.git("init", "-q", "-b", "main")
        try h.git("add", ".")
        try h.git("commit", "-q", "-m", "first")
        let first = try h.run(["build", "exp.yaml"])
        XCTAssertEqual(CLIHarness.started(first), ["train"], first.all)
        let second = try h.run(["build", "exp.yaml"])
        XCTAssertEqual(CLIHarness.started(second), [], "the store's own writes are not a code change:\n\(second.all)")
        try h.git("commit", "-q", "--allow-empty", "-m", "second")
        let third = try h.run(["build", "exp.yaml"])
        XCTAssertEqual(CLIHarness.started(third), [], "a commit that changes no file is not a code change:\n\(third.all)")
    }
}
