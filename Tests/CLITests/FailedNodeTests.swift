import Foundation
import XCTest

/// What a user sees when a node fails, and before anything was built: the step's last words in
/// `build`'s closing lines, the failed node shown as failed by `status`, and plans that say
/// "never built" and "no history yet" instead of guessing.
final class FailedNodeTests: XCTestCase {
    static let spec = """
        steps:
          generate:
            command: seq 10 > {{ out }}/data.txt
          train:
            inputs: { data: generate }
            command: echo 'loading the data'; echo 'CUDA out of memory' >&2; exit 3

        """

    func testAFailedBuildPrintsTheStepsLastLinesAndStatusShowsItFailed() throws {
        let h = try CLIHarness()
        try h.write("exp.yaml", Self.spec)
        let build = try h.run(["build", "exp.yaml"])
        XCTAssertNotEqual(build.status, 0)
        XCTAssertTrue(build.out.contains("failed: train: exit status 3"), build.out)
        XCTAssertTrue(build.out.contains("  | CUDA out of memory"), build.out)
        let status = try h.run(["status", "exp.yaml"])
        let line = status.out.split(separator: "\n").first { $0.contains("train") }.map(String.init) ?? ""
        XCTAssertTrue(line.contains("failed"), status.out)
        XCTAssertTrue(line.contains("exit status 3") && line.contains("CUDA out of memory"), status.out)
        // Once the spec changes, the failure was of another key: the node is just not built.
        try h.write("exp.yaml", Self.spec.replacingOccurrences(of: "exit 3", with: "exit 4"))
        let after = try h.run(["status", "exp.yaml"])
        let again = after.out.split(separator: "\n").first { $0.contains("train") }.map(String.init) ?? ""
        XCTAssertFalse(again.contains("failed"), after.out)
    }

    func testAFirstPlanSaysNeverBuiltAndNoHistoryYet() throws {
        let h = try CLIHarness()
        try h.write("exp.yaml", Self.spec)
        let plan = try h.run(["plan", "exp.yaml"])
        XCTAssertEqual(plan.status, 0, plan.all)
        let train = plan.out.split(separator: "\n").first { $0.contains("train") }.map(String.init) ?? ""
        XCTAssertTrue(train.contains("(never built)"), plan.out)
        XCTAssertFalse(train.contains("will be rebuilt"), plan.out)
        XCTAssertTrue(plan.out.contains("no history yet"), plan.out)
        XCTAssertFalse(plan.out.contains("1.0h") || plan.out.contains("[~"), plan.out)
    }
}

/// Every record names the build that made it, so the report's "last build" is one build.
final class BuildIDTests: XCTestCase {
    func testEachBuildWritesItsOwnIdIntoItsRecords() throws {
        let h = try CLIHarness()
        try h.write("exp.yaml", """
            steps:
              a:
                command: echo a > {{ out }}/o
              b:
                command: echo b > {{ out }}/o

            """)
        // A variable left in the environment (a build started inside a step, a shell that
        // exported it) must not make two builds one.
        let inherited = ["XGRAPH_BUILD_ID": "stale-id"]
        XCTAssertEqual(try h.run(["build", "exp.yaml", "a"], env: inherited).status, 0)
        XCTAssertEqual(try h.run(["build", "exp.yaml", "b"], env: inherited).status, 0)
        let ids = try h.run(["results", "--sql", "SELECT node, build_id FROM runs ORDER BY node", "--format", "csv"])
        let lines = ids.out.split(separator: "\n").dropFirst().map { $0.split(separator: ",", maxSplits: 1).map(String.init) }
        XCTAssertEqual(lines.map { $0.first ?? "" }, ["a", "b"], ids.all)
        XCTAssertEqual(Set(lines.compactMap { $0.last }).count, 2, "two builds, two ids:\n\(ids.out)")
        XCTAssertFalse(lines.contains { ($0.last ?? "").isEmpty || $0.last == "stale-id" }, ids.out)
    }
}
